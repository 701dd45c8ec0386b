package dev.tollgate.providers;

/**
 * A request body that cannot be estimated: malformed JSON, a missing or wrong field, an unknown model. The message
 * names the field and the value; the gateway answers it with a 400 in the caller's provider format.
 */
public final class InvalidRequestException extends IllegalArgumentException {

    private final String field;

    /** An error about {@code field} (a JSON path such as {@code messages[2].content}, or {@code body}). */
    public InvalidRequestException(String field, String message) {
        super(message + " (" + field + ")");
        this.field = field;
    }

    /** An error about {@code field} caused by {@code cause}. */
    public InvalidRequestException(String field, String message, Throwable cause) {
        super(message + " (" + field + ")", cause);
        this.field = field;
    }

    /** The request field at fault, e.g. {@code max_tokens}; {@code body} for malformed JSON. */
    public String field() {
        return field;
    }
}
