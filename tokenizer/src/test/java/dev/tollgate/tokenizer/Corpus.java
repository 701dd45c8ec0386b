package dev.tollgate.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The accuracy corpus: short texts of different kinds written for these tests (English prose, code, JSON, German,
 * Chinese, Japanese, the cookbook's chat example), read from {@code src/test/resources/corpus}.
 */
final class Corpus {
    static final String[] NAMES = {"prose", "code", "json", "german", "chinese", "japanese", "chat"};

    private Corpus() {}

    static Map<String, String> texts() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : NAMES) {
            try (InputStream in = Corpus.class.getResourceAsStream("/corpus/" + name + ".txt")) {
                m.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return m;
    }
}
