package dev.tollgate.gateway.internal;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ProcessorUtils;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A server connector whose selectors also serve the upstream HTTP client's connections. A call served inline has three
 * socket events (its request arrives, the provider's answer arrives, the answer is written); when its two sockets are
 * on one selector they are all handled on that selector's thread, and no selector thread has to wake another to
 * register interest in a socket, which on a virtualised machine costs a system call and a wake-up each
 * (docs/gateway-benchmarks.md). Separate selectors for the client, as Jetty has by default, always cost that.
 *
 * <p>The client side connects as Jetty's {@link ClientConnector} does and hands the connected socket to these
 * selectors; each selector tells an upstream socket from a client's by its end point's type.
 */
final class SharedSelectorConnector extends ServerConnector {

    private static final int MAX_SELECTORS = 8;

    private final UpstreamConnector upstream = new UpstreamConnector();

    /**
     * One selector per core, up to {@value #MAX_SELECTORS}: as many as the server's (Jetty's default, half the cores)
     * and the client's own together, on two cores. With a single selector for both sides on two cores, a call's
     * socket events all stay on one thread, but the gateway's inline work then gets one thread's share of the CPU,
     * and served about a fifth less in a closed loop (docs/gateway-benchmarks.md). With two, an upstream socket is on
     * its call's selector about half the time; otherwise the selector that reads the answer wakes the other once.
     */
    SharedSelectorConnector(Server server, ConnectionFactory factory) {
        super(server, -1, Math.clamp(ProcessorUtils.availableProcessors(), 1, MAX_SELECTORS), factory);
    }

    /** The connector to build the upstream HTTP client's transport on. */
    ClientConnector clientConnector() {
        return upstream;
    }

    /**
     * Starts {@code client} with this connector, after its selectors, and stops it before them: a client started
     * first would find no selectors to register its connections with.
     */
    void startWith(LifeCycle client) {
        addBean(client, true);
    }

    @Override
    protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
        return new Selectors(executor, scheduler, selectors);
    }

    /** The selectors of both sides: a server's accepted socket carries no attachment, an upstream's its context. */
    private final class Selectors extends SelectorManager {
        Selectors(Executor executor, Scheduler scheduler, int selectors) {
            super(executor, scheduler, selectors);
        }

        /** A client's socket accepted by a selector (with no acceptor threads), as Jetty's server connector does. */
        @Override
        protected void accepted(SelectableChannel channel) throws IOException {
            channel.configureBlocking(false);
            configure(((SocketChannel) channel).socket());
            accept(channel);
        }

        @Override
        protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key)
                throws IOException {
            return key.attachment() instanceof Map<?, ?>
                    ? upstream.newEndPoint(channel, selector, key)
                    : SharedSelectorConnector.this.newEndPoint((SocketChannel) channel, selector, key);
        }

        @Override
        public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment)
                throws IOException {
            return endPoint instanceof UpstreamEndPoint
                    ? upstream.connection(endPoint, context(attachment))
                    : getDefaultConnectionFactory().newConnection(SharedSelectorConnector.this, endPoint);
        }

        @Override
        protected void endPointOpened(EndPoint endPoint) {
            super.endPointOpened(endPoint);
            if (!(endPoint instanceof UpstreamEndPoint)) {
                onEndPointOpened(endPoint); // the server counts and closes only its own clients' connections
            }
        }

        @Override
        protected void endPointClosed(EndPoint endPoint) {
            if (!(endPoint instanceof UpstreamEndPoint)) {
                onEndPointClosed(endPoint);
            }
            super.endPointClosed(endPoint);
        }

        /** As Jetty's client selectors do: an upstream connection, once open, completes the client's promise. */
        @Override
        public void connectionOpened(Connection connection, Object attachment) {
            if (!(connection.getEndPoint() instanceof UpstreamEndPoint)) {
                super.connectionOpened(connection, attachment);
                return;
            }
            @SuppressWarnings("unchecked")
            Promise<Connection> promise = (Promise<Connection>) context(attachment)
                    .get(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY);
            try {
                super.connectionOpened(connection, attachment);
                promise.succeeded(connection);
            } catch (Throwable x) {
                promise.failed(x);
            }
        }

        /** Only upstream sockets connect through the selectors; a failure fails the client's promise. */
        @Override
        protected void connectionFailed(SelectableChannel channel, Throwable failure, Object attachment) {
            super.connectionFailed(channel, failure, attachment);
            upstream.failed(channel, failure, context(attachment));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> context(Object attachment) {
        return (Map<String, Object>) attachment;
    }

    /** The upstream client's side: Jetty's connector, with these selectors instead of its own. */
    private final class UpstreamConnector extends ClientConnector {
        @Override
        protected SelectorManager newSelectorManager() {
            return SharedSelectorConnector.this.getSelectorManager();
        }

        /** Plain TCP, as the client's every transport here is (TLS runs over it as a connection). */
        @Override
        protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
            UpstreamEndPoint endPoint = new UpstreamEndPoint((SocketChannel) channel, selector, key, getScheduler());
            endPoint.setIdleTimeout(getIdleTimeout().toMillis());
            return endPoint;
        }

        Connection connection(EndPoint endPoint, Map<String, Object> context) throws IOException {
            return newConnection(endPoint, context);
        }

        void failed(SelectableChannel channel, Throwable failure, Map<String, Object> context) {
            connectFailed(channel, (SocketAddress) context.get(REMOTE_SOCKET_ADDRESS_CONTEXT_KEY), failure, context);
        }
    }

    /** An upstream socket's end point; its type tells the shared selectors which side a socket is on. */
    private static final class UpstreamEndPoint extends SocketChannelEndPoint {
        UpstreamEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
            super(channel, selector, key, scheduler);
        }
    }
}
