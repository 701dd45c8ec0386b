package dev.tollgate.redis.internal;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce client resources the Redis store runs on; public so that the benchmarks can measure a raw
 * {@code EVALSHA} on exactly the same client. Not API.
 */
public final class ClientSettings {

    // Flush at least every this many commands even while flushes are being consolidated.
    private static final int FLUSH_AT_MOST_EVERY = 256;

    private ClientSettings() {
    }

    /**
     * Client resources with two changes from Lettuce's defaults, and nothing else.
     * <ul>
     *   <li><b>Consolidated flushes.</b> Many callers share one connection and Lettuce pipelines their commands;
     *       by default each command is written and flushed on its own, one {@code write(2)} each. Netty's
     *       {@link FlushConsolidationHandler}, first in every channel's pipeline, turns the flushes queued on the
     *       event loop at one moment (and those made while a reply is being read) into one, so a burst of
     *       commands leaves in one syscall. A lone caller pays only a task hand-off on the event loop.</li>
     *   <li><b>Quick reconnects</b>: an outage should end for the store within a second of Redis coming back
     *       (backoff from 10 ms, capped at 1 s).</li>
     * </ul>
     */
    public static ClientResources resources() {
        return ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .nettyCustomizer(new NettyCustomizer() {
                    @Override
                    public void afterChannelInitialized(Channel channel) {
                        channel.pipeline().addFirst(new FlushConsolidationHandler(FLUSH_AT_MOST_EVERY, true));
                    }
                })
                .build();
    }
}
