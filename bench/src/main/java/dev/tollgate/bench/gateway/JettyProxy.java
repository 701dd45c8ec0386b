package dev.tollgate.bench.gateway;

import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Jetty's own reverse proxy ({@link ProxyHandler.Reverse}, as shipped) in front of the mock: the cost of the HTTP
 * stack Tollgate is built on, with no keys, budgets or metering. {@link GatewayBench} measures it interleaved with
 * Tollgate when given {@code --jetty-proxy true}, so that Tollgate's added latency can be split into the stack's and
 * its own.
 *
 * <p>Usage: {@code JettyProxy <port> <mock port>}.
 */
public final class JettyProxy {

    private JettyProxy() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int mockPort = Integer.parseInt(args[1]);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new ProxyHandler.Reverse(request ->
                HttpURI.build(request.getHttpURI()).scheme("http").host("127.0.0.1").port(mockPort)));
        server.start();
        server.join();
    }
}
