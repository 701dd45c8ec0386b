package dev.tollgate.internal;

import dev.tollgate.policy.Rule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sliding window as the documented two-window formula over explicit per-window counters: at time t in window w,
 * the estimate is {@code ceil(count[w-1] * weight / 1000) + count[w]}, where weight is the share of window w-1 that
 * the sliding window still covers, in thousandths rounded up. A call fits if the estimate plus the call stays within
 * the limit.
 *
 * <p>When a call does not fit, the model finds when it would by trying every instant at which the estimate can
 * change (the weight steps every thousandth of a window) over the next two windows; after that the estimate is 0.
 * Extra usage at settlement is added to the current window (up to {@link Rule#MAX_SLIDING_LIMIT}); a surplus is
 * refunded to the window the call was reserved in, if that window is still counted.
 */
final class SlidingWindowModel implements ReferenceModel {

    private final long limit;
    private final long window;
    private final Map<Long, Long> counts = new HashMap<>();

    SlidingWindowModel(long limit, long windowMicros) {
        this.limit = limit;
        this.window = windowMicros;
    }

    private long count(long w) {
        return counts.getOrDefault(w, 0L);
    }

    private long estimateAt(long t) {
        long w = Math.floorDiv(t, window);
        long elapsed = t - w * window;
        long weight = Arith.ceilDiv(Math.multiplyExact(window - elapsed, 1_000L), window);
        return Arith.ceilDiv(Math.multiplyExact(count(w - 1), weight), 1_000) + count(w);
    }

    @Override
    public Expected evaluate(long now, long amount) {
        long w = Math.floorDiv(now, window);
        long estimate = estimateAt(now);
        boolean allowed = estimate + amount <= limit;
        long remaining = Math.max(0, limit - estimate - (allowed ? amount : 0));
        long reset;
        if (count(w) > 0 || (allowed && amount > 0)) {
            reset = (w + 2) * window;
        } else if (count(w - 1) > 0) {
            reset = (w + 1) * window;
        } else {
            reset = now;
        }
        long retry;
        if (allowed) {
            retry = 0;
        } else if (amount > limit) {
            retry = NEVER;
        } else {
            retry = -1;
            long step = window / 1_000;
            for (long t = w * window + step; t <= (w + 2) * window; t += step) {
                if (t > now && estimateAt(t) + amount <= limit) {
                    retry = t - now;
                    break;
                }
            }
            if (retry < 0) {
                throw new AssertionError("the model found no instant at which " + amount + " fits");
            }
        }
        return new Expected(allowed, remaining, reset, retry);
    }

    @Override
    public void charge(long now, long amount, long key) {
        long w = Math.floorDiv(now, window);
        counts.put(w, Math.min(Rule.MAX_SLIDING_LIMIT, count(w) + amount));
    }

    @Override
    public void correct(long now, long reservedAt, long estimated, long actual, long key) {
        long w = Math.floorDiv(now, window);
        long charged = Math.floorDiv(reservedAt, window);
        if (actual > estimated) {
            counts.put(w, Math.min(Rule.MAX_SLIDING_LIMIT, count(w) + (actual - estimated)));
        } else if (actual < estimated && (charged == w || charged == w - 1)) {
            counts.put(charged, Math.max(0, count(charged) - (estimated - actual)));
        }
    }

    @Override
    public long typicalSpanMicros() {
        return window;
    }

    @Override
    public List<Long> landmarks(long now) {
        long w = Math.floorDiv(now, window);
        long step = window / 1_000;
        long inWindow = w * window + step * (1 + Math.floorDiv(now - w * window, step));
        return List.of((w + 1) * window, (w + 2) * window, inWindow);
    }

    @Override
    public String toString() {
        return "counts per window index " + counts;
    }
}
