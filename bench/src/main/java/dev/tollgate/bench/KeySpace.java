package dev.tollgate.bench;

import dev.tollgate.Subject;
import java.util.SplittableRandom;

/**
 * The subjects the benchmarks draw from: {@value #SUBJECTS} user ids ({@code "user-0"} ...) and a fixed sequence of
 * {@value #SAMPLES} draws from a Zipf distribution over them (exponent {@value #EXPONENT}, seed {@value #SEED}).
 *
 * <p>Every contender walks the same sequence with the same String instances, so the key distribution, and the
 * String hash codes a map caches, are identical for all of them. Ranks are shuffled onto ids so that the hot users
 * are not neighbours in memory.
 */
final class KeySpace {

    static final int SUBJECTS = 1_000_000;
    static final int SAMPLES = 1 << 22;
    static final double EXPONENT = 1.0;
    static final long SEED = 20_260_522L;
    static final String PLAN = "bench";
    static final String HOT_ID = "user-hot";

    private static volatile KeySpace instance;

    /** The user ids, index = id number. */
    final String[] ids;
    /** One Subject per id, built once, as an app does per request from its own authentication. */
    final Subject[] subjects;
    /** The Zipf-distributed sequence of id indexes, walked round-robin by the benchmarks. */
    final int[] draws;

    private KeySpace() {
        ids = new String[SUBJECTS];
        subjects = new Subject[SUBJECTS];
        for (int i = 0; i < SUBJECTS; i++) {
            ids[i] = "user-" + i;
            subjects[i] = Subject.user(ids[i], PLAN);
        }
        draws = zipfDraws(SUBJECTS, SAMPLES, EXPONENT, SEED);
    }

    /** The shared key space; built once per JVM (a second or two). */
    static KeySpace get() {
        KeySpace k = instance;
        if (k == null) {
            synchronized (KeySpace.class) {
                k = instance;
                if (k == null) {
                    k = new KeySpace();
                    instance = k;
                }
            }
        }
        return k;
    }

    /** Where thread {@code index} of {@code count} starts in {@link #draws}, so threads do not walk in lock step. */
    static int startFor(int index, int count) {
        return (int) ((long) SAMPLES * index / Math.max(1, count));
    }

    static int[] zipfDraws(int n, int samples, double exponent, long seed) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1.0 / Math.pow(k + 1, exponent);
            cdf[k] = sum;
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] rankToId = new int[n];
        for (int i = 0; i < n; i++) {
            rankToId[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = rankToId[i];
            rankToId[i] = rankToId[j];
            rankToId[j] = t;
        }
        int[] draws = new int[samples];
        for (int s = 0; s < samples; s++) {
            double u = random.nextDouble() * sum;
            int lo = 0;
            int hi = n - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            draws[s] = rankToId[lo];
        }
        return draws;
    }

    /** Prints how skewed the sequence is: distinct ids and the share of the hottest ones. */
    public static void main(String[] args) {
        int[] draws = zipfDraws(SUBJECTS, SAMPLES, EXPONENT, SEED);
        int[] counts = new int[SUBJECTS];
        for (int d : draws) {
            counts[d]++;
        }
        int distinct = 0;
        for (int c : counts) {
            if (c > 0) {
                distinct++;
            }
        }
        java.util.Arrays.sort(counts);
        long top1 = counts[SUBJECTS - 1];
        long top1000 = 0;
        for (int i = 0; i < 1000; i++) {
            top1000 += counts[SUBJECTS - 1 - i];
        }
        System.out.printf("samples=%d subjects=%d exponent=%.2f seed=%d distinct=%d top1=%.2f%% top1000=%.2f%%%n",
                SAMPLES, SUBJECTS, EXPONENT, SEED, distinct, 100.0 * top1 / SAMPLES, 100.0 * top1000 / SAMPLES);
    }
}
