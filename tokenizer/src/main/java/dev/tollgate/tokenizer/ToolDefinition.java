package dev.tollgate.tokenizer;

import java.util.List;

/**
 * A function tool offered to the model, reduced to what OpenAI's framing counts.
 *
 * @param name the function's name
 * @param description its description; empty if absent
 * @param parameters its top-level parameters, in order
 */
public record ToolDefinition(String name, String description, List<Parameter> parameters) {

    /** Lists are copied; null texts become empty. */
    public ToolDefinition {
        name = name == null ? "" : name;
        description = description == null ? "" : description;
        parameters = List.copyOf(parameters);
    }

    /**
     * One parameter.
     *
     * @param name its name
     * @param type its JSON-schema type, e.g. {@code string}; for nested objects and arrays, the type name
     * @param description its description, empty if absent; nested schemas may be appended as text
     * @param enumValues its allowed values, empty if it is not an enum
     */
    public record Parameter(String name, String type, String description, List<String> enumValues) {
        /** Lists are copied; null texts become empty. */
        public Parameter {
            name = name == null ? "" : name;
            type = type == null ? "" : type;
            description = description == null ? "" : description;
            enumValues = List.copyOf(enumValues);
        }
    }
}
