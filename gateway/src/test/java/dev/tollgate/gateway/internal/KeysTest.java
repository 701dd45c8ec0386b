package dev.tollgate.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class KeysTest {

    /**
     * {@link Keys#sha256} copies one shared digest instead of looking one up per call; threads hashing at once must
     * each get their own key's hash, the same as a digest of their own would give.
     */
    @Test
    void threadsHashingAtOnceEachGetTheirKeysHash() throws Exception {
        long seed = ThreadLocalRandom.current().nextLong();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom random = new SplittableRandom(seed + t);
                results.add(pool.submit(() -> {
                    start.await();
                    int mismatches = 0;
                    for (int i = 0; i < 5_000; i++) {
                        String key = "tg-" + Long.toHexString(random.nextLong()) + "-" + i;
                        byte[] own = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
                        if (!MessageDigest.isEqual(own, Keys.sha256(key))) {
                            mismatches++;
                        }
                    }
                    return mismatches;
                }));
            }
            start.countDown();
            for (Future<Integer> result : results) {
                assertThat(result.get()).as("seed=%d", seed).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
