package dev.tollgate.providers.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JSON mappers of the providers' readers and of the gateway.
 *
 * <p>Jackson lends each parser its buffers (about 12 KB of {@code char[]} and {@code byte[]}) from a pool that is, by
 * default, one per thread. That suits a few long-lived threads; here calls run on virtual threads, one per call. A
 * stream's meter parses every event on the stream's own thread, so each open stream kept a set of buffers alive (at
 * 5,000 open streams, 49 MB of {@code char[]} alone in the gateway's heap), and every short call on a new virtual
 * thread allocated a fresh set. A pool shared by all threads holds only as many sets as parses run at once.
 */
public final class Json {

    private Json() {}

    /** A new mapper whose parsers borrow their buffers from one pool shared by every thread. */
    public static ObjectMapper newMapper() {
        return new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build());
    }
}
