package dev.tollgate.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The event-loop server over real sockets: its selectors serve the upstream client's connections too, and a
 * keep-alive connection whose response completed on another thread goes on to serve the client's next requests.
 */
class EventLoopServerTest {

    private Server server;
    private HttpClient client;

    /** Answers every request with its path, from a thread of its own when the path says so. */
    private void start(boolean answerFromAnotherThread) throws Exception {
        server = Http.eventLoopServer("127.0.0.1", 0, "test");
        client = Http.upstreamClient(server);
        server.setHandler(new Handler.Abstract(Invocable.InvocationType.NON_BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                byte[] body = request.getHttpURI().getPath().getBytes(StandardCharsets.UTF_8);
                Runnable answer = () -> Http.send(response, 200, "text/plain", body, callback);
                if (answerFromAnotherThread) {
                    Thread.ofPlatform().start(answer); // as an inline call completes on the client's thread
                } else {
                    answer.run();
                }
                return true;
            }
        });
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop(); // first, so that the server need not wait for the client's connections to close
        server.stop();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + Http.port(server) + path;
    }

    @Test
    void theUpstreamClientStartsAndStopsWithTheServer() throws Exception {
        start(false);
        assertThat(client.isStarted()).isTrue();
        server.stop();
        assertThat(client.isStopped()).isTrue();
    }

    @Test
    void theUpstreamClientRunsOnTheServersSelectors() throws Exception {
        start(false);

        ContentResponse answer = client.GET(url("/ping")); // the client calls its own server: both sockets here
        assertThat(answer.getStatus()).isEqualTo(200);
        assertThat(answer.getContentAsString()).isEqualTo("/ping");

        ServerConnector connector = (ServerConnector) server.getConnectors()[0];
        HttpClientTransportOverHTTP transport = (HttpClientTransportOverHTTP) client.getHttpClientTransport();
        assertThat(transport.getClientConnector().getSelectorManager()).isSameAs(connector.getSelectorManager());
        // the server counts the socket it accepted, not the client's own end of it
        assertThat(connector.getConnectedEndPoints()).hasSize(1);
    }

    @Test
    void anUnreachableUpstreamFailsTheCall() throws Exception {
        start(false);
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> client.GET("http://127.0.0.1:" + closedPort + "/"))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ConnectException.class);
        assertThat(client.GET(url("/after")).getContentAsString()).isEqualTo("/after"); // the selectors serve on
    }

    @Test
    void aConnectionServesItsNextRequestsAfterAResponseCompletedOnAnotherThread() throws Exception {
        start(true);
        try (Socket socket = new Socket("127.0.0.1", Http.port(server))) {
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.write(get("/one").getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(readBody(in)).isEqualTo("/one");
            // two at once: the second waits in the connection until the first completes, on another thread
            out.write((get("/two") + get("/three")).getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(readBody(in)).isEqualTo("/two");
            assertThat(readBody(in)).isEqualTo("/three");
        }
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    /** Reads one response with a Content-Length and returns its body. */
    private static String readBody(BufferedReader in) throws Exception {
        int length = -1;
        String line;
        while (!(line = in.readLine()).isEmpty()) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            read += in.read(body, read, length - read);
        }
        return new String(body);
    }
}
