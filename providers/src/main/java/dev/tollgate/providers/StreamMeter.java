package dev.tollgate.providers;

import dev.tollgate.cost.Usage;
import java.util.List;

/**
 * Meters one streamed response, event by event, as the events pass through to the client. Ask for
 * {@link #usage()} when the stream ends, completely or not: a stream that ended without the provider's usage is
 * metered from the text that was streamed, plus the request's input estimate, and marked as an estimate.
 *
 * <p>Not thread-safe: one meter per stream.
 */
public interface StreamMeter {

    /** Reads one event. Events that are not valid JSON are ignored, never thrown. */
    void onEvent(SseEvent event);

    /** Reads several events. */
    default void onEvents(List<SseEvent> events) {
        events.forEach(this::onEvent);
    }

    /** True once the provider's final usage has been read. */
    boolean hasProviderUsage();

    /** The stream's usage so far: the provider's if it arrived, else counted from the streamed text (an estimate). */
    Usage usage();
}
