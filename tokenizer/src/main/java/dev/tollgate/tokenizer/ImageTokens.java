package dev.tollgate.tokenizer;

import java.util.Locale;

/**
 * The documented estimate of an image part's input tokens, following OpenAI's published rule for gpt-4o-class
 * models: {@code detail: low} costs a flat 85 tokens; otherwise the image is scaled to fit 2048x2048, then so that its
 * shortest side is 768, and costs 85 + 170 per 512x512 tile.
 *
 * <p>A request carries the image's URL, not its size, so without dimensions a {@code high} or {@code auto} image is
 * estimated as 1024x1024: 4 tiles, {@value #UNKNOWN_SIZE_TOKENS} tokens. A very wide or tall image can cost up to
 * {@value #MAX_TOKENS} tokens; the real count arrives in {@code usage} and settles the difference. Other model
 * families (gpt-4.1-mini, o-series) use different multipliers; this is a reservation estimate for all of them.
 */
public final class ImageTokens {

    /** Tokens for a {@code detail: low} image. */
    public static final long LOW_DETAIL_TOKENS = 85;
    /** Tokens for a high-detail image whose size is not known: a 1024x1024 image. */
    public static final long UNKNOWN_SIZE_TOKENS = 765;
    /** The most a single high-detail image can cost under the rule (2048x768: 8 tiles). */
    public static final long MAX_TOKENS = 85 + 170 * 8;

    private ImageTokens() {}

    /** The estimate for an image with the given {@code detail} ({@code low}, {@code high}, {@code auto} or null). */
    public static long estimate(String detail) {
        return "low".equals(detail == null ? null : detail.toLowerCase(Locale.ROOT)) ? LOW_DETAIL_TOKENS
                : UNKNOWN_SIZE_TOKENS;
    }

    /** The count for an image of known size, by the tile rule. */
    public static long forSize(String detail, long width, long height) {
        if (detail != null && detail.equalsIgnoreCase("low")) {
            return LOW_DETAIL_TOKENS;
        }
        if (width <= 0 || height <= 0) {
            return UNKNOWN_SIZE_TOKENS;
        }
        double w = width;
        double h = height;
        double fit = Math.min(1.0, 2048.0 / Math.max(w, h));
        w *= fit;
        h *= fit;
        double shortest = Math.min(w, h);
        if (shortest > 768) {
            double s = 768.0 / shortest;
            w *= s;
            h *= s;
        }
        long tiles = (long) Math.ceil(w / 512.0) * (long) Math.ceil(h / 512.0);
        return 85 + 170 * tiles;
    }
}
