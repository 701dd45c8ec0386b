package dev.tollgate.redis.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The Redis store's timeout for the calls it is waiting on: one thread that looks at every call in flight once
 * per tick and fails those that are late, in place of a timer per call. Not API.
 *
 * <p>Why: a caller that waits with a timeout ({@code future.get(timeout)}) on a virtual thread hands a wake-up to
 * the JDK's delay scheduler and withdraws it when the answer comes, two hand-offs to another thread per call, each
 * a futex wake; on one hot subject at 64 callers that was about a tenth of the client's CPU (async-profiler).
 * Lettuce's own command timeout schedules a timer task per command and a completion callback to cancel it. Here a
 * call costs a compare-and-set into a slot, a read of a flag and a write to clear the slot, and the sweep costs
 * one thread that wakes once per tick while calls are in flight. A sweep that finds no call in flight puts the
 * thread to sleep without a timeout, so an idle store's sweep costs nothing; the next {@link #track} wakes it with
 * one {@code unpark}, which callers pay about once per tick at most, since a woken sweep waits a tick before it
 * looks again.
 *
 * <p>Guarantee: a call tracked by {@link #track} is failed with {@link Late} once it has been waiting for the
 * timeout, at most one tick later (the tick is at most a quarter of the timeout, and at most 10 ms), the first call
 * after an idle spell included. A call that finds every slot taken (more callers in flight than slots) is not
 * tracked, and must wait with a timeout of its own: {@link #track} returns -1 for it.
 */
public final class Deadlines implements AutoCloseable {

    /** What a late call is failed with. No stack: it is thrown by the sweep, not where the caller waits. */
    public static final class Late extends RuntimeException {
        Late(long timeoutMillis) {
            super("no answer within " + timeoutMillis + " ms", null, false, false);
        }
    }

    /**
     * How many calls can be tracked at once (a power of two). Each call in flight holds one slot; a call starts at a
     * random slot and takes the next free one.
     */
    public static final int SLOTS = 4096;
    private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final VarHandle SLEEPING;

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(Deadlines.class, "sleeping", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private record Call(CompletableFuture<?> future, long startNanos) {
    }

    private final AtomicReferenceArray<Call> slots = new AtomicReferenceArray<>(SLOTS);
    private final long timeoutNanos;
    private final long tickNanos;
    private final Late late;
    private final Thread sweeper;
    private volatile boolean closed;
    /** The sweeper is parked, or about to park, without a timeout; whoever turns this off must unpark it. */
    private volatile boolean sleeping;

    /** Starts the sweep for calls that may wait at most {@code timeoutNanos}. */
    public Deadlines(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
        this.tickNanos = Math.max(1, Math.min(MAX_TICK_NANOS, timeoutNanos / 4));
        // One exception for every late call: it says the same for each, and a late call is when Redis is in trouble,
        // which is not when to allocate.
        this.late = new Late(TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        this.sweeper = new Thread(this::sweep, "tollgate-redis-deadlines");
        sweeper.setDaemon(true);
        sweeper.start();
    }

    /**
     * Tracks a call that has just been sent: it is failed with {@link Late} if it is still waiting after the timeout.
     * Returns the slot to pass to {@link #done}, or -1 if every slot is taken and the call is not tracked.
     */
    public int track(CompletableFuture<?> future) {
        Call call = new Call(future, System.nanoTime());
        int start = ThreadLocalRandom.current().nextInt(SLOTS);
        for (int i = 0; i < SLOTS; i++) {
            int slot = (start + i) & (SLOTS - 1);
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, call)) {
                // Read after the CAS that publishes the call (sleep() says why). While calls are in flight no one
                // writes the flag, so the read is cheap; only the caller that turns it off unparks.
                if (sleeping && SLEEPING.compareAndSet(this, true, false)) {
                    LockSupport.unpark(sweeper);
                }
                return slot;
            }
        }
        return -1;
    }

    /** The call in {@code slot} (from {@link #track}) is answered or failed: frees its slot. */
    public void done(int slot) {
        if (slot >= 0) {
            // Only its owner clears a slot, and the sweep never writes one, so a plain release store is enough.
            slots.setRelease(slot, null);
        }
    }

    private void sweep() {
        while (!closed) {
            // Also after a wake-up from sleep(): the call that woke it is not late for a while, and waiting here
            // spaces out the sleeps, and so the unparks that track() pays for, to about one a tick.
            LockSupport.parkNanos(tickNanos);
            long now = System.nanoTime();
            boolean inFlight = false;
            for (int i = 0; i < SLOTS; i++) {
                Call call = slots.getAcquire(i);
                if (call != null) {
                    inFlight = true;
                    // Failing a call that was answered a moment ago does nothing: a future completes once.
                    if (now - call.startNanos() >= timeoutNanos) {
                        call.future().completeExceptionally(late);
                    }
                }
            }
            if (!inFlight) {
                sleep();
            }
        }
    }

    // Parks without a timeout until track() or close() wakes it. Dekker's handshake with track(), whose CAS into a
    // slot is followed by a volatile read of the flag: here a volatile write of the flag is followed by volatile reads
    // of the slots. Volatile accesses are totally ordered (sequentially consistent), so of the two second accesses
    // at least one sees the other side's first: either the re-check below sees the call and does not park, or track()
    // sees the flag and unparks. With a plain or acquire re-check, or the flag read before the CAS, both could miss
    // and a call would wait for the next track() to wake the sweep, however late that is. A wake-up for nothing (a
    // spurious return from park, an unpark that raced the re-check, a call done before the sweep looks) costs one
    // sweep of an empty table, after which this sleeps again.
    private void sleep() {
        sleeping = true;
        if (!anyInFlight()) {
            while (sleeping && !closed) {
                LockSupport.park(this);
            }
        }
        // Off whichever way we got here; a track() that turned it off first has unparked us, or will: that permit
        // only shortens the next tick's wait.
        sleeping = false;
    }

    private boolean anyInFlight() {
        for (int i = 0; i < SLOTS; i++) {
            if (slots.get(i) != null) { // volatile, not acquire: see sleep()
                return true;
            }
        }
        return false;
    }

    /**
     * For tests only: the sweep thread's state ({@link Thread.State#WAITING} while an idle store's sweep sleeps,
     * {@link Thread.State#TERMINATED} once closed).
     */
    public Thread.State sweeperState() {
        return sweeper.getState();
    }

    /** Stops the sweep, asleep or not. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(sweeper);
    }
}
