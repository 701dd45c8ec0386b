package dev.tollgate.gateway.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/** Small blocking helpers over Jetty's core API, for handlers that run on a virtual thread per request. */
public final class Http {

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
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // no need to tell the world which Jetty answers
        http.setSendXPoweredBy(false);
        // Bodies are written whole or event by event, so a large aggregation buffer per response buys nothing
        // and costs 32 KiB for each of thousands of open streams.
        http.setOutputBufferSize(8 * 1024);
        ServerConnector connector = new ServerConnector(server, -1, -1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(600_000);
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);
        server.setStopTimeout(500);
        return server;
    }

    /** The port the server listens on. */
    public static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
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
