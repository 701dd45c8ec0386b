package dev.tollgate.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** Bad input must fail fast, with a message that names what was wrong and the value that was given. */
public final class Rejections {

    private Rejections() {
    }

    /**
     * Asserts that {@code call} throws an {@link IllegalArgumentException} whose message mentions every one of
     * {@code mentions} (the field, the value, the rule...), and returns it.
     */
    public static IllegalArgumentException assertRejected(Executable call, String... mentions) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        String message = e.getMessage();
        for (String mention : mentions) {
            assertTrue(message != null && message.contains(mention),
                    () -> "the message \"" + message + "\" should mention \"" + mention + "\"");
        }
        return e;
    }
}
