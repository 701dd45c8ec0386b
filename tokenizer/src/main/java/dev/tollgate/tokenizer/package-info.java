/**
 * Token counts for LLM requests: exact counts for OpenAI's encodings (via jtokkit, whose encodings ship inside its
 * jar), OpenAI's chat framing, and a documented estimate for Anthropic models, which have no public tokenizer.
 * Start at {@link dev.tollgate.tokenizer.Tokenizers#forModel(String)}.
 */
package dev.tollgate.tokenizer;
