package dev.tollgate.gateway.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small helpers over Jetty's core API: the two kinds of server, and writes that either block (for handlers on a
 * virtual thread) or complete a {@link Callback} (for code on an I/O thread, which must never block).
 */
public final class Http {

    private static final Logger LOG = LoggerFactory.getLogger(Http.class);

    private Http() {
    }

    /** A request body larger than the limit. */
    public static final class TooLarge extends IOException {
        /** The limit that was passed. */
        public TooLarge(long limit) {
            super("request body is larger than " + limit + " bytes");
        }
    }

    /**
     * A Jetty server whose every task runs on a virtual thread (no pool to size: a slow stream costs a parked
     * virtual thread and its buffers, not a platform thread).
     */
    public static Server server(String host, int port, String name) {
        VirtualThreadPool threads = new VirtualThreadPool();
        threads.setName(name);
        threads.setMaxThreads(1 << 20); // the default of 200 would cap concurrent streams; memory is the real bound
        Server server = new Server(threads);
        return listen(server, new ServerConnector(server, -1, -1, http()), host, port);
    }

    private static HttpConnectionFactory http() {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // no need to tell the world which Jetty answers
        http.setSendXPoweredBy(false);
        // Bodies are written whole or event by event, so a large aggregation buffer per response buys nothing
        // and costs 32 KiB for each of thousands of open streams.
        http.setOutputBufferSize(8 * 1024);
        return new HttpConnectionFactory(http);
    }

    private static Server listen(Server server, ServerConnector connector, String host, int port) {
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(600_000);
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);
        server.setStopTimeout(500);
        return server;
    }

    /**
     * A Jetty server whose handler runs on the I/O thread that parsed the request, so it must never block there: it
     * hands anything that may block to {@link #blocking(Server)}, a virtual thread per task. The I/O threads are a
     * small platform pool (the acceptor, the selectors and Jetty's own non-blocking tasks), and the selectors also
     * serve the connections of the client that {@link #upstreamClient(Server)} returns.
     */
    public static Server eventLoopServer(String host, int port, String name) {
        QueuedThreadPool threads = new EventLoopThreads(name);
        threads.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor(name + "-vt"));
        Server server = new Server(threads);
        return listen(server, new SharedSelectorConnector(server, http()), host, port);
    }

    /**
     * An HTTP client (HTTP/1.1, pooled keep-alive connections) whose connections are served by the selectors of an
     * {@link #eventLoopServer}, so that a call's socket events on both sides are handled on one thread. It starts and
     * stops with the server: configure it before the server starts.
     */
    public static HttpClient upstreamClient(Server eventLoopServer) {
        SharedSelectorConnector connector = (SharedSelectorConnector) eventLoopServer.getConnectors()[0];
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector.clientConnector()));
        connector.startWith(client);
        return client;
    }

    /**
     * The I/O threads of an {@link #eventLoopServer}. One kind of task runs where it is handed over instead of waking
     * a pool thread: an HTTP/1.1 connection resuming, after a response that completed on another thread than the one
     * that read its request (every inline call: it completes on the thread that read the provider's answer), to read
     * the client's next request. That read almost always finds nothing and only asks the selector to wait for more,
     * which costs less than the hand-off (a wake-up of a pool thread and, from there, of the selector). Running it
     * here is safe because the server's handler never blocks.
     */
    private static final class EventLoopThreads extends QueuedThreadPool {
        EventLoopThreads(String name) {
            super(32, 4);
            setName(name);
            // No reserved threads: Jetty must never run a blocking task on one of these platform threads; with none
            // to hand, it passes every such task to the virtual-thread executor.
            setReservedThreads(0);
        }

        @Override
        public void execute(Runnable task) {
            if (task instanceof HttpConnection) {
                task.run();
            } else {
                super.execute(task);
            }
        }
    }

    /** The executor of an {@link #eventLoopServer}: a new virtual thread per task, for work that may block. */
    public static Executor blocking(Server server) {
        return VirtualThreads.getVirtualThreadsExecutor(server.getThreadPool());
    }

    /** The port the server listens on. */
    public static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** Blocking work on a request: it writes the answer, or throws. */
    @FunctionalInterface
    public interface Work {
        /** Does the work. */
        void run() throws IOException;
    }

    /** Runs blocking work and completes the request's callback: succeeded, or as {@link #fail} says. */
    public static void run(Request request, Response response, Callback callback, Work work) {
        try {
            work.run();
            callback.succeeded();
        } catch (Throwable t) {
            fail(request, response, callback, t);
        }
    }

    /**
     * Ends a request that failed unexpectedly: a 500 if nothing has been written yet (and the error logged, since
     * it is a bug), else the response is aborted (a stream cut mid-way, a client gone).
     */
    public static void fail(Request request, Response response, Callback callback, Throwable t) {
        if (!response.isCommitted()) {
            LOG.error("unexpected error on {} {}", request.getMethod(), request.getHttpURI().getPath(), t);
            Response.writeError(request, response, callback, 500, "internal error");
        } else {
            callback.failed(t);
        }
    }

    /** Reads the whole body, failing with {@link TooLarge} past {@code limit} bytes without reading the rest. */
    public static byte[] readBody(Request request, long limit) throws IOException {
        long declared = request.getLength();
        if (declared > limit) {
            throw new TooLarge(limit);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) {
                throw new TooLarge(limit);
            }
            return body;
        }
    }

    /** Writes a complete response with a body, blocking until it is written. */
    public static void send(Response response, int status, String contentType, byte[] body) throws IOException {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        Content.Sink.write(response, true, ByteBuffer.wrap(body));
    }

    /**
     * Writes a complete response without blocking and completes {@code callback} when it is written (or failed):
     * for code on an I/O thread.
     */
    public static void send(Response response, int status, String contentType, byte[] body, Callback callback) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** The most of an unwanted request body read and thrown away before answering; past it, the connection closes. */
    static final long DISCARDED_BODY_BYTES = 16L * 1024 * 1024;

    /**
     * Before an answer that does not use the request's body (an error): reads and throws away the rest of it, up to
     * {@link #DISCARDED_BODY_BYTES}, so that a client still sending it reads the answer instead of a reset
     * connection. A larger body is not read; the answer then says {@code Connection: close}, so that the client does
     * not send its next request on a connection the server is about to drop.
     */
    public static void discardBody(Request request, Response response) {
        long declared = request.getLength();
        if (declared == 0) {
            return;
        }
        if (declared <= DISCARDED_BODY_BYTES) { // -1, a chunked body, is read up to the limit too
            try (InputStream in = Content.Source.asInputStream(request)) {
                byte[] scratch = new byte[8 * 1024];
                long total = 0;
                int n;
                while (total <= DISCARDED_BODY_BYTES && (n = in.read(scratch)) >= 0) {
                    total += n;
                }
                if (total <= DISCARDED_BODY_BYTES) {
                    return; // all of it read: the connection can serve the client's next request
                }
            } catch (IOException e) {
                // the client has gone or sent a broken body: nothing to keep the connection for
            }
        }
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }

    /** Writes a JSON response. */
    public static void json(Response response, int status, String json) throws IOException {
        send(response, status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes part of a streamed body and flushes it. */
    public static void chunk(Response response, byte[] bytes) throws IOException {
        Content.Sink.write(response, false, ByteBuffer.wrap(bytes));
    }

    /** Ends a streamed body. */
    public static void end(Response response) throws IOException {
        Content.Sink.write(response, true, ByteBuffer.allocate(0));
    }
}
