package dev.tollgate.providers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads the recorded streams in src/test/resources/streams and feeds them in small chunks, as a socket would. */
final class Streams {
    private Streams() {}

    static byte[] bytes(String name) {
        try (InputStream in = Streams.class.getResourceAsStream("/streams/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no recorded stream " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<SseEvent> events(String name, int chunk) {
        byte[] b = bytes(name);
        SseParser parser = new SseParser();
        List<SseEvent> out = new ArrayList<>();
        for (int i = 0; i < b.length; i += chunk) {
            out.addAll(parser.feed(b, i, Math.min(chunk, b.length - i)));
        }
        return out;
    }
}
