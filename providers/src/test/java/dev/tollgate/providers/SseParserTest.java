package dev.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    @Test
    void anyChunkingYieldsTheSameEvents() {
        List<SseEvent> whole = Streams.events("anthropic-full.sse", Integer.MAX_VALUE / 2);
        assertThat(whole).hasSize(8);
        for (int chunk : new int[] {1, 2, 3, 7, 64}) {
            assertThat(Streams.events("anthropic-full.sse", chunk)).as("chunk " + chunk).isEqualTo(whole);
        }
    }

    @Test
    void multiByteCharactersSplitAcrossChunksSurvive() {
        byte[] b = "data: {\"t\":\"日本語 ✓\"}\n\n".getBytes(StandardCharsets.UTF_8);
        SseParser p = new SseParser();
        List<SseEvent> out = new ArrayList<>();
        for (byte x : b) {
            out.addAll(p.feed(new byte[] {x}));
        }
        assertThat(out).containsExactly(new SseEvent(null, "{\"t\":\"日本語 ✓\"}"));
    }

    @Test
    void crlfAndCrLineEndingsCommentsAndMultiLineData() {
        String wire = ": keep-alive\r\nevent: x\r\ndata: a\r\ndata: b\r\n\r\nid: 7\rdata:c\r\r";
        List<SseEvent> out = new SseParser().feed(wire.getBytes(StandardCharsets.UTF_8));
        assertThat(out).containsExactly(new SseEvent("x", "a\nb"), new SseEvent(null, "c"));
    }

    @Test
    void aLeadingByteOrderMarkIsSkipped() {
        List<SseEvent> out = new SseParser().feed("\uFEFFdata: x\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(out).containsExactly(new SseEvent(null, "x"));
    }

    @Test
    void anEventCutBeforeItsBlankLineIsNeverDispatched() {
        List<SseEvent> out = new SseParser().feed("data: {\"partial\"".getBytes(StandardCharsets.UTF_8));
        assertThat(out).isEmpty();
    }

    @Test
    void eventsRoundTripToTheWire() {
        SseEvent e = new SseEvent("message_stop", "{\"type\":\"message_stop\"}");
        assertThat(new SseParser().feed(e.toWire().getBytes(StandardCharsets.UTF_8))).containsExactly(e);
    }
}
