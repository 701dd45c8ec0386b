package dev.tollgate.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * The system time in microseconds, to the millisecond, read from a field rather than from the operating system
 * while decisions come fast.
 *
 * <p>Why: reading the system clock is a vDSO call of 20-30 ns on the virtual machines this runs on, a third of a
 * memory-store decision, and decisions are made to the millisecond anyway. Once callers read the clock at least
 * {@link #BUSY_CALLS_PER_MILLI} times within one millisecond, one daemon thread wakes and copies the system time
 * into a field every millisecond, and readers pay for a field read. This is how nginx and Redis read time too:
 * once per turn of their event loop, not per request. After {@link #IDLE_TICKS} ticks with no reader, the thread
 * parks until it is needed again, so a store making a few thousand decisions a second never wakes it: each tick
 * costs a thread wake-up, tens of microseconds on a virtual machine, more than the clock reads it saves.
 *
 * <p>What it costs: while ticking, the time read lags the system clock by up to a millisecond, plus however long
 * the scheduler keeps the thread waiting. A clock that lags only delays refills and the ends of windows, so it
 * can make a rule admit less for that moment, never more than its limit. It is never ahead of the system clock.
 * The thread exists while some store holds the clock ({@link #acquire}); when none does, readers use the system
 * clock.
 */
public final class CoarseClock {

    /** The clock every memory store on the system clock shares, so that a process runs one ticker at most. */
    public static final CoarseClock SHARED = new CoarseClock();

    /** Reads within one millisecond that wake the ticker: 64,000 decisions a second or more. */
    static final int BUSY_CALLS_PER_MILLI = 64;
    /** Ticks without a reader after which the ticker parks. */
    static final int IDLE_TICKS = 16;

    private static final long TICK_NANOS = 1_000_000;

    private final Object lock = new Object();
    private int holders;
    private Thread ticker;
    private volatile boolean ticking;
    // The time the ticker last copied; 0 while it is parked or stopped, so that readers go to the system clock.
    private volatile long micros;
    // Set by a reader of the field, cleared by the ticker: whether anyone read it since the last tick.
    private volatile boolean read;
    // Readers on the system clock count their calls per millisecond to tell when to wake the ticker. Racy on
    // purpose: a lost count only delays the wake-up to a later millisecond.
    private long countedMilli;
    private int callsThisMilli;

    /** A clock of its own, for tests; stores use {@link #SHARED}. */
    public CoarseClock() {
    }

    /** The system time in microseconds, to the millisecond. */
    public long nowMicros() {
        long now = micros;
        if (now != 0) {
            if (!read) {
                read = true; // written once a tick at most, so the line stays shared between readers
            }
            return now;
        }
        long millis = System.currentTimeMillis();
        if (millis != countedMilli) {
            countedMilli = millis;
            callsThisMilli = 1;
        } else if (++callsThisMilli == BUSY_CALLS_PER_MILLI) {
            Thread t = ticker;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
        return millis * 1_000;
    }

    /** Starts the ticker thread, parked, if no one holds the clock yet. Each call needs one {@link #release}. */
    public void acquire() {
        synchronized (lock) {
            if (holders++ > 0) {
                return;
            }
            ticking = true;
            ticker = new Thread(this::tick, "tollgate-clock");
            ticker.setDaemon(true);
            ticker.start();
        }
    }

    /** True while the ticker is awake and readers read the field. */
    public boolean isTicking() {
        return micros != 0;
    }

    /** True while some store holds the clock, so that its thread exists. */
    public boolean isHeld() {
        synchronized (lock) {
            return ticker != null;
        }
    }

    /** Stops the ticker thread once its last holder releases it. */
    public void release() {
        synchronized (lock) {
            if (holders == 0 || --holders > 0) {
                return;
            }
            ticking = false;
            LockSupport.unpark(ticker);
            // Wait for its last write, so that a stale time cannot land after the reset below and stay there.
            boolean interrupted = false;
            while (ticker.isAlive()) {
                try {
                    ticker.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            ticker = null;
            micros = 0;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void tick() {
        while (ticking) {
            LockSupport.park(this); // until a busy reader, or release, wakes it
            int idle = 0;
            read = true;
            while (ticking && idle < IDLE_TICKS) {
                micros = System.currentTimeMillis() * 1_000;
                if (read) {
                    read = false;
                    idle = 0;
                } else {
                    idle++;
                }
                LockSupport.parkNanos(this, TICK_NANOS);
            }
            micros = 0;
        }
    }
}
