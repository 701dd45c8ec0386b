package dev.tollgate.providers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An incremental parser of {@code text/event-stream}, fed bytes as they arrive from upstream: chunks may split
 * lines, UTF-8 characters and events anywhere. Follows the WHATWG rules that matter here: lines end in LF, CR or
 * CRLF; {@code data:} lines accumulate; a blank line dispatches; comments ({@code :}) and unknown fields are
 * ignored; one space after the colon is dropped; a leading byte-order mark is skipped. An event still open when the stream ends is never dispatched, as
 * the spec says, which is what a cut stream looks like.
 *
 * <p>Not thread-safe: one parser per stream. Lines are bounded by {@link #MAX_LINE_BYTES}.
 */
public final class SseParser {

    /** The longest line accepted; a longer one is an {@link IllegalStateException}, not unbounded memory. */
    public static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private boolean lastWasCr;
    private boolean firstLine = true;
    private String event;
    private StringBuilder data;

    /** Feeds the whole array. */
    public List<SseEvent> feed(byte[] bytes) {
        return feed(bytes, 0, bytes.length);
    }

    /** Feeds {@code len} bytes from {@code off}; returns the events they completed, in order (often none). */
    public List<SseEvent> feed(byte[] bytes, int off, int len) {
        List<SseEvent> out = new ArrayList<>(2);
        for (int i = off; i < off + len; i++) {
            byte b = bytes[i];
            if (b == '\n' && lastWasCr) { // the LF of a CRLF: the line already ended at the CR
                lastWasCr = false;
                continue;
            }
            lastWasCr = b == '\r';
            if (b == '\n' || b == '\r') {
                endLine(out);
            } else {
                if (line.size() >= MAX_LINE_BYTES) {
                    throw new IllegalStateException("SSE line longer than " + MAX_LINE_BYTES + " bytes");
                }
                line.write(b);
            }
        }
        return out;
    }

    private void endLine(List<SseEvent> out) {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (firstLine) {
            firstLine = false;
            if (text.startsWith("\uFEFF")) { // a byte-order mark at the start of the stream is ignored
                text = text.substring(1);
            }
        }
        if (text.isEmpty()) {
            if (data != null) {
                out.add(new SseEvent(event, data.toString()));
            }
            event = null;
            data = null;
            return;
        }
        if (text.startsWith(":")) {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> event = value;
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
            default -> { } // id, retry and unknown fields do not matter for metering
        }
    }
}
