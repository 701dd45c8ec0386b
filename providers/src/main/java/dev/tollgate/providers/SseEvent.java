package dev.tollgate.providers;

/**
 * One server-sent event.
 *
 * @param event the {@code event:} field, or null if absent (OpenAI sends none)
 * @param data the {@code data:} lines joined with newlines
 */
public record SseEvent(String event, String data) {

    /** The event as it goes on the wire, ending with the blank line that dispatches it. */
    public String toWire() {
        StringBuilder b = new StringBuilder();
        if (event != null) {
            b.append("event: ").append(event).append('\n');
        }
        for (String line : data.split("\n", -1)) {
            b.append("data: ").append(line).append('\n');
        }
        return b.append('\n').toString();
    }
}
