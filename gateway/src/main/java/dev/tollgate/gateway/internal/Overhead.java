package dev.tollgate.gateway.internal;

import org.eclipse.jetty.server.Response;

/**
 * The time one model call spends in the gateway itself, as the {@value #HEADER} response header reports it: from
 * when Jetty began to parse the request to when the answer is handed to Jetty to write, less the time the provider
 * had the call (from the upstream request fully written to the upstream answer fully read).
 *
 * <p>Why a header: an end-to-end "added latency" is the difference of two noisy distributions (through the gateway,
 * and straight to the provider), and on a shared machine the provider's own tail swings by milliseconds, so the
 * gateway's tail cannot be read from it. Measuring the gateway's share of each call, in the gateway, and handing it
 * to the caller lets a load generator collect it per request, as LiteLLM's {@code x-litellm-overhead-duration-ms}
 * and Envoy's upstream and downstream timings do. What it leaves out, and the end-to-end figure still covers: the
 * kernel's delivery of the request to Jetty, the waits for a selector thread to wake up, and the last write to the
 * client.
 *
 * <p>The upstream times are set on the HTTP client's threads and read on the thread that answers, hence volatile.
 * A stream's answer begins before its overhead is known, so streams carry no header.
 */
public final class Overhead {

    /** The response header: whole microseconds. */
    public static final String HEADER = "x-tollgate-overhead-us";

    private final long beginNanos;
    private volatile long sentNanos;
    private volatile long answeredNanos;

    /** A call that began at {@code beginNanos} ({@link System#nanoTime()}), e.g. Jetty's request begin time. */
    public Overhead(long beginNanos) {
        this.beginNanos = beginNanos;
    }

    /** The upstream request has been written in full: the provider has the call from now. */
    public void sent() {
        sentAt(System.nanoTime());
    }

    void sentAt(long nanos) {
        sentNanos = nanos;
    }

    /** The provider's answer has been read in full (or the call failed): the gateway has the call again. */
    public void answered() {
        answeredAt(System.nanoTime());
    }

    void answeredAt(long nanos) {
        answeredNanos = nanos;
    }

    /**
     * The gateway's share until {@code nowNanos}, in microseconds: the whole time less the provider's. If the upstream
     * request was never written in full (a denial, a failure before sending), the whole time is the gateway's.
     */
    public long micros(long nowNanos) {
        long sent = sentNanos;
        long answered = answeredNanos;
        long upstream = sent != 0 && answered >= sent ? answered - sent : 0;
        return Math.max(0, nowNanos - beginNanos - upstream) / 1_000;
    }

    /** Sets the header on an answer about to be written. */
    public void header(Response response) {
        response.getHeaders().put(HEADER, micros(System.nanoTime()));
    }
}
