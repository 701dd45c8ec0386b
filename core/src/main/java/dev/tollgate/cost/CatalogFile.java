package dev.tollgate.cost;

import dev.tollgate.policy.Money;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;

/** Reads the catalog file format; see {@link ModelCatalog.Builder#load}. Dependency-free on purpose. */
final class CatalogFile {

    static final String HEADER =
            "provider,model,context_window,max_output_tokens,input,cached_input,cache_write_5m,cache_write_1h,output,source,checked";

    private CatalogFile() {}

    static void read(Reader reader, String origin, ModelCatalog.Builder into) {
        try (BufferedReader in = new BufferedReader(reader)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                String text = line.strip();
                if (text.isEmpty() || text.startsWith("#") || text.equals(HEADER)) {
                    continue;
                }
                String[] f = text.split(",", -1);
                for (int i = 0; i < f.length; i++) {
                    f[i] = f[i].strip();
                }
                String where = origin + " line " + n;
                if (f[0].equals("alias")) {
                    if (f.length != 3 || f[1].isEmpty() || f[2].isEmpty()) {
                        throw new IllegalArgumentException("alias line needs 'alias,<name>,<model>' (" + where + ")");
                    }
                    into.alias(f[1], f[2]);
                    continue;
                }
                if (f.length != 11) {
                    throw new IllegalArgumentException(
                            "expected 11 fields (" + HEADER + "), got " + f.length + " (" + where + ")");
                }
                long input = price(f[4], "input", where);
                long output = price(f[8], "output", where);
                try {
                    into.put(new ModelPrice(f[1].toLowerCase(java.util.Locale.ROOT), f[0],
                            count(f[2], "context_window", where), count(f[3], "max_output_tokens", where),
                            input,
                            f[5].isEmpty() ? input : price(f[5], "cached_input", where),
                            f[6].isEmpty() ? input : price(f[6], "cache_write_5m", where),
                            f[7].isEmpty() ? input : price(f[7], "cache_write_1h", where),
                            output));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage() + " (" + where + ")", e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model catalog " + origin, e);
        }
    }

    private static long price(String text, String field, String where) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException(field + " price is required (" + where + ")");
        }
        try {
            return Money.usd(text).micros();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " price: " + e.getMessage() + " (" + where + ")", e);
        }
    }

    private static long count(String text, String field, String where) {
        try {
            return Long.parseLong(text.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " must be a whole number, got '" + text + "' (" + where + ")");
        }
    }
}
