package dev.tollgate.bench.gateway;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServer;

/**
 * A minimal reverse proxy on Helidon 4.5 (its web server and web client, a virtual thread per connection, blocking
 * I/O) in front of the mock: the other stack the issue offered for the gateway, with no keys, budgets or metering.
 * {@link GatewayBench} measures it interleaved with Tollgate (on Jetty) when given {@code --helidon-proxy true}, so
 * that the choice between the two rests on a measurement of the same hop on the same machine.
 *
 * <p>Usage: {@code HelidonProxy <port> <mock port>}.
 */
public final class HelidonProxy {

    private HelidonProxy() {}

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int mockPort = Integer.parseInt(args[1]);
        WebClient upstream = WebClient.builder().baseUri("http://127.0.0.1:" + mockPort).build();
        WebServer.builder().host("127.0.0.1").port(port)
                .routing(routing -> routing.any((request, response) -> {
                    byte[] body = request.content().as(byte[].class);
                    try (HttpClientResponse answer = upstream.method(Method.create(request.prologue().method().text()))
                            .path(request.path().rawPath())
                            .headers(h -> {
                                request.headers().first(HeaderNames.CONTENT_TYPE)
                                        .ifPresent(v -> h.set(HeaderNames.CONTENT_TYPE, v));
                                request.headers().first(HeaderNames.AUTHORIZATION)
                                        .ifPresent(v -> h.set(HeaderNames.AUTHORIZATION, v));
                            })
                            .submit(body)) {
                        response.status(answer.status());
                        answer.headers().first(HeaderNames.CONTENT_TYPE)
                                .ifPresent(v -> response.header(HeaderNames.CONTENT_TYPE, v));
                        response.send(answer.entity().as(byte[].class));
                    }
                }))
                .build().start();
    }
}
