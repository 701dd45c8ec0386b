package dev.tollgate.bench;

import org.openjdk.jmh.infra.ThreadParams;

/**
 * A benchmark thread's place in the key sequence. Each benchmark class binds it to its own sequence in a subclass
 * whose setup depends on the benchmark's state; the subclass also declares the {@code allowed} and {@code denied}
 * counters that JMH reports as secondary results (JMH reads auxiliary counters from the state class itself, not
 * its superclass), so every figure shows which path it measured.
 */
public abstract class Cursor {

    int[] draws;
    int mask;
    private int at;

    /** Binds the cursor to a sequence whose length is a power of two; threads start at different places
     * (a null thread, for warming up, starts at 0). */
    void bind(int[] sequence, ThreadParams thread) {
        draws = sequence;
        mask = draws.length - 1;
        at = thread == null ? 0 : KeySpace.startFor(thread.getThreadIndex(), thread.getThreadCount()) & mask;
    }

    int next() {
        int k = draws[at];
        at = (at + 1) & mask;
        return k;
    }

    /** Counts the call as allowed or denied and returns {@code ok}. */
    abstract boolean count(boolean ok);

    /**
     * CPU time the calling thread has used, in nanoseconds. On a shared machine a thread that is descheduled loses
     * wall-clock throughput but uses no CPU, so CPU time per call is the steadier figure.
     */
    static long cpuNanos() {
        return CPU.getCurrentThreadCpuTime();
    }

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
}
