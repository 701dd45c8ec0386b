package dev.tollgate.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Parsers on different threads share one set of buffers, instead of one set per thread. */
class JsonTest {

    @Test
    void aParserOnAnotherThreadReusesTheBuffersThisThreadReturned() throws Exception {
        ObjectMapper mapper = Json.newMapper();
        RecyclerPool<BufferRecycler> pool = mapper.getFactory()._getRecyclerPool();
        BufferRecycler mine = pool.acquireAndLinkPooled();
        mine.releaseToPool();

        AtomicReference<BufferRecycler> theirs = new AtomicReference<>();
        Thread other = new Thread(() -> {
            BufferRecycler borrowed = pool.acquireAndLinkPooled();
            theirs.set(borrowed);
            borrowed.releaseToPool();
        });
        other.start();
        other.join();

        assertThat(theirs.get()).isSameAs(mine);
    }

    @Test
    void itParsesAsAPlainMapperDoes() throws Exception {
        String event = "{\"choices\":[{\"delta\":{\"content\":\"h\\u00e9llo\"}}],\"usage\":{\"prompt_tokens\":7}}";
        JsonNode shared = Json.newMapper().readTree(event);
        assertThat(shared).isEqualTo(new ObjectMapper().readTree(event));
        assertThat(shared.at("/choices/0/delta/content").asText()).isEqualTo("héllo");
    }
}
