package dev.tollgate.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The segmented, memoised count equals jtokkit's count of the whole text. */
class OpenAiTokenizerTest {

    private static final String ALPHABET = "aAbBcdeEfghiIjklmnoOpqrstTuvwxyz      ..,,''\"\"--()!?:;\n\n\r\t0123456789"
            + "\u00a0\u3000éüßçñ日本語中文한국어😀✓/_#@*&%$";

    @Test
    void segmentedCountsEqualWholeCountsOnTheCorpus() {
        for (OpenAiEncoding e : OpenAiEncoding.values()) {
            OpenAiTokenizer t = OpenAiTokenizer.of(e);
            for (var entry : Corpus.texts().entrySet()) {
                String text = entry.getValue();
                assertThat(t.count(text)).as(e + " " + entry.getKey()).isEqualTo(t.countWhole(text));
                assertThat(t.count(text)).as("cached, " + e + " " + entry.getKey()).isEqualTo(t.countWhole(text));
            }
        }
    }

    @Test
    void segmentedCountsEqualWholeCountsOnRandomText() {
        long seed = Long.getLong("tollgate.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        for (OpenAiEncoding e : OpenAiEncoding.values()) {
            OpenAiTokenizer t = OpenAiTokenizer.of(e);
            for (int round = 0; round < 300; round++) {
                StringBuilder b = new StringBuilder();
                int len = 64 + random.nextInt(600);
                while (b.length() < len) {
                    if (random.nextInt(4) == 0) {
                        b.appendCodePoint(ALPHABET.codePointAt(ALPHABET.offsetByCodePoints(0,
                                random.nextInt(ALPHABET.codePointCount(0, ALPHABET.length())))));
                    } else {
                        b.append(' ').append(randomWord(random));
                    }
                }
                String text = b.toString();
                assertThat(t.count(text))
                        .as("seed=%d (rerun with -Dtollgate.seed=%d), %s, text=%s", seed, seed, e, text)
                        .isEqualTo(t.countWhole(text));
            }
        }
    }

    @Test
    void sharedCacheStaysExactUnderConcurrentUse() throws Exception {
        OpenAiTokenizer t = OpenAiTokenizer.of(OpenAiEncoding.O200K_BASE);
        var texts = java.util.List.copyOf(Corpus.texts().values());
        long[] expected = texts.stream().mapToLong(t::countWhole).toArray();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
            for (int w = 0; w < 4; w++) {
                futures.add(pool.submit(() -> {
                    for (int round = 0; round < 200; round++) {
                        for (int i = 0; i < texts.size(); i++) {
                            if (t.count(texts.get(i)) != expected[i]) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (var f : futures) {
                assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String randomWord(SplittableRandom random) {
        String[] words = {"the", "The", "token", "don't", "it's", "I'll", "x", "HTTP", "json", "camelCase", "a1b2",
            "über", "naïve", "2026", "e.g.", "U.S.A", "snake_case", "'quoted'", "WORD"};
        return words[random.nextInt(words.length)];
    }
}
