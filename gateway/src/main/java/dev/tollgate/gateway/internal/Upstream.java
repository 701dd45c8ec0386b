package dev.tollgate.gateway.internal;

import dev.tollgate.gateway.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The providers, over one pooled keep-alive Jetty {@link HttpClient}: connections are reused across calls, opening
 * one is bounded by the connect timeout, a silence longer than the idle timeout (between two stream events, say)
 * fails the call, and a whole exchange is bounded by the total timeout. Two ways to call:
 * <ul>
 *   <li>{@link #send(Config.UpstreamConfig, URI, byte[], Overhead, String...)} blocks (a virtual thread) until the
 *       response headers arrive and then reads the body as it streams, from the response's content source;</li>
 *   <li>{@link #send(Config.UpstreamConfig, URI, byte[], String[], Overhead, Answered)} never blocks: the whole
 *       answer, up to {@link #MAX_ANSWER_BYTES}, is handed to a callback on the client's own thread once it is
 *       complete.</li>
 * </ul>
 * Both tell the call's {@link Overhead} when the request has been written in full; the second also when the answer
 * has been read in full (the first cannot know: its caller reads the body).
 */
public final class Upstream implements AutoCloseable {

    /** The provider could not be reached or answered nothing usable in time. */
    public static final class Failure extends IOException {
        private final boolean beforeSending;
        private final boolean timeout;
        private final boolean brokeOff;

        Failure(String message, Throwable cause, boolean beforeSending, boolean timeout, boolean brokeOff) {
            super(message, cause);
            this.beforeSending = beforeSending;
            this.timeout = timeout;
            this.brokeOff = brokeOff;
        }

        /** An answer that had begun and broke off. */
        static Failure brokeOff(Throwable cause) {
            return new Failure("the provider's answer broke off: " + cause.getClass().getSimpleName(), cause, false,
                    false, true);
        }

        /** True if the provider had begun to answer when the call failed (so it may have billed). */
        public boolean brokeOff() {
            return brokeOff;
        }

        /** True if the request never reached the provider (it cannot have billed anything). */
        public boolean beforeSending() {
            return beforeSending;
        }

        /** True if the provider took too long. */
        public boolean timeout() {
            return timeout;
        }
    }

    /** A call whose response headers have arrived; read {@link #body()} as it streams, then close. */
    public record Call(Request request, Response response, InputStream body) implements AutoCloseable {
        /** Aborts the call: the provider's connection is closed and stops generating. */
        public void abort(Throwable cause) {
            request.abort(cause);
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** The largest answer read whole; a larger one fails the call as broken off. */
    public static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

    /** Receives a complete call, once, on the HTTP client's thread: it must not block. */
    @FunctionalInterface
    public interface Answered {
        /**
         * The provider's whole answer, or why there is none.
         *
         * @param response the response (status and headers) if the call failed after they arrived, else null on failure
         * @param body the answer's bytes, empty on failure
         * @param failure null on success
         */
        void answered(Response response, byte[] body, Failure failure);
    }

    private final HttpClient client;

    /**
     * Where calls to one endpoint go, worked out once at start: its provider's settings, its URL, and the Host header
     * for that URL. A request without a Host header makes Jetty build the request's whole URI again from its parts and
     * parse it ({@code URI.create}) only to read the authority: 3.2% of the gateway's Java samples in its CPU profile.
     */
    public record Destination(Config.UpstreamConfig upstream, URI url, HttpField host) {}

    /**
     * Configures {@code client} (not started yet; {@link Http#upstreamClient} starts it with the server) with the
     * longer of the two upstreams' connect and idle timeouts.
     */
    public Upstream(Config.UpstreamConfig openai, Config.UpstreamConfig anthropic, HttpClient client) {
        this.client = client;
        // Every listener this client is given only hands data on (completes a future, wakes a reader, meters and
        // settles an inline call, writes without blocking), so responses are handled on the selector thread that
        // read them, with no hand-off to another pool thread.
        client.getHttpClientTransport().setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        client.setConnectTimeout(Math.max(openai.connectTimeout().toMillis(), anthropic.connectTimeout().toMillis()));
        client.setIdleTimeout(Math.max(openai.idleTimeout().toMillis(), anthropic.idleTimeout().toMillis()));
        client.setMaxConnectionsPerDestination(16_384); // a long stream holds its connection; thousands may be open
        client.setMaxRequestsQueuedPerDestination(65_536);
        client.setFollowRedirects(false);
        // Calls made for different users must not share state: a cookie one provider answer sets (a CDN's, say) is
        // not sent on the next user's call, as a client's cookie store would.
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(null);
        client.setName("tollgate-upstream");
    }

    /** Where calls to {@code url} go, with the Host header Jetty itself would send there. */
    public Destination destination(Config.UpstreamConfig upstream, URI url) {
        String authority = client.newRequest(url).getURI().getAuthority();
        return new Destination(upstream, url, new HttpField(HttpHeader.HOST, authority));
    }

    /**
     * Sends a POST (or GET when {@code body} is null) and waits for the response headers.
     *
     * @param overhead told when the request has been written in full
     * @param headers name/value pairs to send, the provider key among them
     * @throws Failure when the provider cannot be reached or sends no headers within the timeouts
     */
    public Call send(Destination destination, byte[] body, Overhead overhead, String... headers) throws Failure {
        Config.UpstreamConfig upstream = destination.upstream();
        Request request = request(destination, body, headers, overhead);
        CompletableFuture<Call> answer = new CompletableFuture<>();
        // The body is read from the response's content source, chunk by chunk as the client parses it: a provider
        // that cuts its stream is seen only after every event it sent before the cut (a listener that queues
        // chunks would drop the queued ones on the failure, and the meter would undercount).
        request.onResponseContentSource((response, content) ->
                answer.complete(new Call(request, response, Content.Source.asInputStream(content))));
        request.send(result -> {
            if (result.isFailed()) {
                answer.completeExceptionally(result.getFailure());
            } else {
                answer.complete(new Call(request, result.getResponse(), InputStream.nullInputStream())); // no content
            }
        });
        try {
            return answer.get(upstream.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            request.abort(e);
            throw new Failure("the provider sent no answer within " + upstream.timeout().toSeconds() + "s", e, false, true,
                    false);
        } catch (ExecutionException e) {
            throw failure(e.getCause() == null ? e : e.getCause(), false);
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new Failure("interrupted while waiting for the provider", e, false, false, false);
        }
    }

    /**
     * Sends a POST without blocking; {@code answered} gets the whole answer or the failure, exactly once, on the
     * client's thread (possibly this one, if the call fails at once). {@code overhead} is told when the request has
     * been written in full and when the answer is complete, before {@code answered} runs.
     *
     * @return the call in flight, to {@link Request#abort abort} when the client goes
     */
    public Request send(Destination destination, byte[] body, String[] headers, Overhead overhead, Answered answered) {
        Request request = request(destination, body, headers, overhead);
        request.send(new BufferingResponseListener(MAX_ANSWER_BYTES) {
            @Override
            public void onComplete(Result result) {
                overhead.answered();
                if (result.isSucceeded()) {
                    answered.answered(result.getResponse(), getContent(), null);
                } else {
                    Response response = result.getResponse();
                    boolean started = response != null && response.getStatus() > 0;
                    answered.answered(started ? response : null, new byte[0], failure(result.getFailure(), started));
                }
            }
        });
        return request;
    }

    /**
     * What a call's failure means for its settlement.
     *
     * @param answering true if the response had begun (the provider was reached and may have billed)
     */
    private static Failure failure(Throwable cause, boolean answering) {
        boolean timeout = cause instanceof TimeoutException;
        if (answering && !timeout) {
            return Failure.brokeOff(cause);
        }
        boolean connect = cause instanceof java.net.ConnectException
                || cause instanceof java.net.UnknownHostException
                || cause instanceof java.nio.channels.UnresolvedAddressException;
        return new Failure(timeout ? "the provider sent no answer in time" : "the provider could not be reached: "
                + cause.getClass().getSimpleName(), cause, connect && !answering, timeout, false);
    }

    private Request request(Destination destination, byte[] body, String[] headers, Overhead overhead) {
        Config.UpstreamConfig upstream = destination.upstream();
        Request request = client.newRequest(destination.url())
                .method(body == null ? HttpMethod.GET : HttpMethod.POST)
                .timeout(upstream.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .idleTimeout(upstream.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> {
                    h.put(destination.host());
                    h.remove(HttpHeader.USER_AGENT);
                    h.put(HttpHeader.USER_AGENT, "tollgate");
                    for (int i = 0; i < headers.length; i += 2) {
                        if (headers[i + 1] != null) {
                            h.put(headers[i], headers[i + 1]);
                        }
                    }
                });
        if (body != null) {
            request.body(new BytesRequestContent("application/json", body));
        }
        request.onRequestSuccess(r -> overhead.sent());
        return request;
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            // closing at shutdown: nothing left to do
        }
    }
}
