package dev.tollgate.gateway.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tollgate.Decision;
import dev.tollgate.RuleStatus;
import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Mode;
import dev.tollgate.providers.Endpoint;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;

/**
 * What the gateway says back, in the caller's provider format: errors as OpenAI or Anthropic error objects, and the
 * rate-limit headers on every response that has a subject.
 */
public final class Answers {

    /** The two error formats. */
    public enum Format {
        /** {@code {"error":{"message","type","param","code"}}}. */
        OPENAI,
        /** {@code {"type":"error","error":{"type","message"}}}. */
        ANTHROPIC;

        /** The format of the provider that serves this endpoint. */
        public static Format of(Endpoint endpoint) {
            return endpoint.isAnthropic() ? ANTHROPIC : OPENAI;
        }
    }

    private Answers() {
    }

    /** A JSON string literal. */
    public static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    /**
     * An error body. {@code openAiType} and {@code code} are OpenAI's (code may be null); the Anthropic type is
     * derived from the status, as Anthropic's API does.
     */
    public static String error(Format format, int status, String openAiType, String code, String message) {
        if (format == Format.ANTHROPIC) {
            return "{\"type\":\"error\",\"error\":{\"type\":\"" + anthropicType(status) + "\",\"message\":"
                    + quote(message) + "}}";
        }
        return "{\"error\":{\"message\":" + quote(message) + ",\"type\":\"" + openAiType + "\",\"param\":null,\"code\":"
                + (code == null ? "null" : "\"" + code + "\"") + "}}";
    }

    static String anthropicType(int status) {
        return switch (status) {
            case 400, 415 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }

    /**
     * The 429 body for a denial: {@code insufficient_quota} when waiting is pointless (a budget is spent),
     * {@code rate_limit_exceeded} otherwise, with Tollgate's reason, which names the rule and its reset.
     */
    public static String denial(Format format, Decision d) {
        boolean budget = d.waitingIsPointless();
        String message = "Tollgate: " + d.reason();
        if (format == Format.OPENAI) {
            return error(format, 429, budget ? "insufficient_quota" : "requests",
                    budget ? "insufficient_quota" : "rate_limit_exceeded", message);
        }
        return error(format, 429, null, null, message);
    }

    /** Headers for a denial: Retry-After in seconds, and {@code x-should-retry: false} when waiting is pointless. */
    public static void denialHeaders(HttpFields.Mutable h, Decision d) {
        Duration wait = d.retryAfter().orElseGet(() -> d.deniedBy()
                .map(r -> Duration.between(d.decidedAt(), r.resetAt())).orElse(Duration.ZERO));
        h.put("Retry-After", Long.toString(ceilSeconds(wait)));
        if (d.waitingIsPointless()) {
            h.put("x-should-retry", "false");
        }
    }

    /**
     * The rate-limit headers of a decision: the IETF {@code RateLimit-Policy} and {@code RateLimit} fields
     * (draft-ietf-httpapi-ratelimit-headers-10: one list member per live rule, with its quota {@code q}, window
     * {@code w} in seconds and unit {@code qu}; then remaining {@code r} and seconds to reset {@code t}), and
     * OpenAI's {@code x-ratelimit-*} for requests and tokens, taken from the tightest rule of each meter.
     *
     * <p>Token and money units are not in the draft's registry ({@code requests}, {@code content-bytes},
     * {@code concurrent-requests}); they are sent as {@code qu="tokens"} and {@code qu="usd-micros"}.
     */
    public static void rateLimitHeaders(HttpFields.Mutable h, Decision d) {
        StringBuilder policy = new StringBuilder();
        StringBuilder now = new StringBuilder();
        RuleStatus requests = null;
        RuleStatus tokens = null;
        for (RuleStatus r : d.rules()) {
            if (r.rule().mode() == Mode.DRY_RUN) {
                continue;
            }
            if (!policy.isEmpty()) {
                policy.append(", ");
                now.append(", ");
            }
            policy.append('"').append(r.name()).append("\";q=").append(r.limit());
            long window = windowSeconds(r);
            if (window > 0) {
                policy.append(";w=").append(window);
            }
            policy.append(";qu=\"").append(unit(r)).append('"');
            now.append('"').append(r.name()).append("\";r=").append(r.remaining()).append(";t=")
                    .append(secondsUntil(d.decidedAt(), r.resetAt()));
            if (r.rule().meter() == Meter.REQUESTS && (requests == null || r.remaining() < requests.remaining())) {
                requests = r;
            }
            if (r.rule().meter() == Meter.TOKENS && (tokens == null || r.remaining() < tokens.remaining())) {
                tokens = r;
            }
        }
        if (!policy.isEmpty()) {
            h.put("RateLimit-Policy", policy.toString());
            h.put("RateLimit", now.toString());
        }
        openAi(h, "requests", requests, d.decidedAt());
        openAi(h, "tokens", tokens, d.decidedAt());
    }

    private static void openAi(HttpFields.Mutable h, String what, RuleStatus r, Instant now) {
        if (r == null) {
            return;
        }
        h.put("x-ratelimit-limit-" + what, Long.toString(r.limit()));
        h.put("x-ratelimit-remaining-" + what, Long.toString(r.remaining()));
        h.put("x-ratelimit-reset-" + what, goDuration(secondsUntil(now, r.resetAt())));
    }

    private static String unit(RuleStatus r) {
        if (r.rule().algorithm() == Algorithm.CONCURRENCY) {
            return "concurrent-requests";
        }
        return switch (r.rule().meter()) {
            case REQUESTS -> "requests";
            case TOKENS -> "tokens";
            case USD -> "usd-micros";
        };
    }

    private static long windowSeconds(RuleStatus r) {
        var rule = r.rule();
        return switch (rule.algorithm()) {
            case TOKEN_BUCKET -> fullRefillSeconds(rule.refillInterval(), rule.limit(), rule.refillAmount());
            case FIXED_WINDOW, SLIDING_WINDOW -> ceilSeconds(rule.window());
            case CALENDAR_QUOTA -> switch (rule.period()) {
                case DAY -> 86_400;
                case WEEK -> 604_800;
                case MONTH -> 0; // months differ in length; the reset time says when it ends
            };
            case CONCURRENCY -> 0;
        };
    }

    /**
     * Seconds for an empty bucket to fill again: interval x capacity / refill, rounded up. This runs for every answer,
     * so it stays in longs where it can: {@link Duration#multipliedBy} and {@link Duration#dividedBy} go through
     * {@code BigDecimal}, which showed in the gateway's CPU profile (1.5% of its Java samples). A product too large
     * for a long (a big bucket refilling over hours) is worked out exactly instead.
     */
    static long fullRefillSeconds(Duration interval, long capacity, long refill) {
        long micros = interval.toNanos() / 1_000; // a rule's interval is a whole number of microseconds
        try {
            return Math.ceilDiv(Math.multiplyExact(micros, capacity), Math.multiplyExact(refill, 1_000_000L));
        } catch (ArithmeticException tooLargeForALong) {
            BigInteger[] qr = BigInteger.valueOf(micros).multiply(BigInteger.valueOf(capacity))
                    .divideAndRemainder(BigInteger.valueOf(refill).multiply(BigInteger.valueOf(1_000_000L)));
            return qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0);
        }
    }

    static long secondsUntil(Instant now, Instant then) {
        return then.isAfter(now) ? ceilSeconds(Duration.between(now, then)) : 0;
    }

    static long ceilSeconds(Duration d) {
        long ms = d.toMillis();
        return ms <= 0 ? 0 : (ms + 999) / 1000;
    }

    /** OpenAI writes its resets the way Go prints durations: {@code 12s}, {@code 1m0s}, {@code 17h11m0s}. */
    static String goDuration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + seconds % 60 + "s";
        }
        return seconds / 3600 + "h" + (seconds % 3600) / 60 + "m" + seconds % 60 + "s";
    }

    /** The rules of a decision as a JSON array, for the decision and usage APIs. */
    public static String rulesJson(List<RuleStatus> rules, Instant now) {
        StringBuilder b = new StringBuilder("[");
        for (RuleStatus r : rules) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append("{\"name\":").append(quote(r.name()))
                    .append(",\"meter\":\"").append(r.rule().meter().label()).append('"')
                    .append(",\"mode\":\"").append(r.rule().mode() == Mode.DRY_RUN ? "dry-run" : "live").append('"')
                    .append(",\"limit\":").append(r.limit())
                    .append(",\"remaining\":").append(r.remaining())
                    .append(",\"used\":").append(Math.max(0, r.limit() - r.remaining()))
                    .append(",\"reset_at\":\"").append(r.resetAt()).append('"')
                    .append(",\"resets_in_seconds\":").append(secondsUntil(now, r.resetAt()))
                    .append(",\"exceeded\":").append(r.exceeded())
                    .append(",\"description\":").append(quote(r.rule().describe()))
                    .append('}');
        }
        return b.append(']').toString();
    }
}
