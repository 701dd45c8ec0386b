package dev.tollgate.cost;

import java.util.List;

/**
 * A model that the catalog has no price for, and no default price is configured. Its message names the model and
 * suggests close names, so that a typo is found at once rather than billed as $0.
 */
public final class UnknownModelException extends IllegalArgumentException {

    private final String model;
    private final List<String> suggestions;

    /** An error for {@code model}, suggesting {@code suggestions} (possibly empty). */
    public UnknownModelException(String model, List<String> suggestions) {
        super(message(model, suggestions));
        this.model = model;
        this.suggestions = List.copyOf(suggestions);
    }

    /** The model name as it was asked for. */
    public String model() {
        return model;
    }

    /** Catalog names close to the model's, closest first; may be empty. */
    public List<String> suggestions() {
        return suggestions;
    }

    private static String message(String model, List<String> suggestions) {
        StringBuilder b = new StringBuilder("unknown model '").append(model).append("': it has no price in the model catalog");
        if (!suggestions.isEmpty()) {
            b.append("; did you mean ").append(String.join(", ", suggestions)).append('?');
        }
        b.append(" Add it with ModelCatalog.builder().put(...), or configure a default price.");
        return b.toString();
    }
}
