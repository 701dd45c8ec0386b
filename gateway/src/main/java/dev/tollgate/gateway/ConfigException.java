package dev.tollgate.gateway;

import java.util.List;

/**
 * The configuration is invalid. The message lists every problem found, each naming the field's path and its line,
 * such as {@code plans.free.rules[0].refill-rate: must be > 0, got -5 (line 14, column 62)}.
 */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    /** An invalid configuration read from {@code origin}, with its problems. */
    public ConfigException(String origin, List<String> problems) {
        super(origin + ": " + (problems.size() == 1 ? problems.get(0)
                : problems.size() + " problems:\n  " + String.join("\n  ", problems)));
        this.problems = List.copyOf(problems);
    }

    /** Each problem, naming the field and the line. */
    public List<String> problems() {
        return problems;
    }
}
