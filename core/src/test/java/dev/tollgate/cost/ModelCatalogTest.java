package dev.tollgate.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import org.junit.jupiter.api.Test;

class ModelCatalogTest {

    private final ModelCatalog catalog = ModelCatalog.bundled();

    @Test
    void bundledCatalogHoldsTheCurrentModels() {
        for (String m : new String[] {"gpt-5.4", "gpt-5.4-mini", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini",
                "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o4-mini", "text-embedding-3-small",
                "text-embedding-3-large", "claude-sonnet-4-6", "claude-opus-4-6", "claude-haiku-4-5"}) {
            assertThat(catalog.find(m)).as(m).isPresent();
        }
    }

    @Test
    void pricesAreExactIntegerMicrosPerMillion() {
        ModelPrice p = catalog.price("gpt-5.4-mini");
        assertThat(p.inputMicrosPerMillion()).isEqualTo(750_000);
        assertThat(p.cachedInputMicrosPerMillion()).isEqualTo(75_000);
        assertThat(p.outputMicrosPerMillion()).isEqualTo(4_500_000);
        // OpenAI has no cache-write price: writes bill as input.
        assertThat(p.cacheWrite5mMicrosPerMillion()).isEqualTo(750_000);
    }

    @Test
    void anthropicCachePricesFollowTheDocumentedMultipliers() {
        for (String m : new String[] {"claude-sonnet-4-6", "claude-opus-4-6", "claude-haiku-4-5", "claude-opus-4-1"}) {
            ModelPrice p = catalog.price(m);
            long in = p.inputMicrosPerMillion();
            assertThat(p.cacheWrite5mMicrosPerMillion()).as(m).isEqualTo(in * 5 / 4);
            assertThat(p.cacheWrite1hMicrosPerMillion()).as(m).isEqualTo(in * 2);
            assertThat(p.cachedInputMicrosPerMillion()).as(m).isEqualTo(in / 10);
        }
    }

    @Test
    void datedSnapshotsResolveToTheirFamily() {
        assertThat(catalog.price("gpt-4o-2024-08-06").model()).isEqualTo("gpt-4o");
        assertThat(catalog.price("gpt-4o-mini-2024-07-18").model()).isEqualTo("gpt-4o-mini");
        assertThat(catalog.price("gpt-4.1-2025-04-14").model()).isEqualTo("gpt-4.1");
        assertThat(catalog.price("claude-sonnet-4-6-20260101").model()).isEqualTo("claude-sonnet-4-6");
        assertThat(catalog.price("claude-sonnet-4-5-20250929").model()).isEqualTo("claude-sonnet-4-5");
        assertThat(catalog.price("GPT-4o").model()).isEqualTo("gpt-4o");
        assertThat(catalog.price("openai/gpt-4o").model()).isEqualTo("gpt-4o");
    }

    @Test
    void aDatedSnapshotWithItsOwnPriceKeepsIt() {
        // gpt-4o-2024-05-13 was priced at $5/$15, above gpt-4o's $2.50/$10, and had no prompt caching.
        ModelPrice p = catalog.price("gpt-4o-2024-05-13");
        assertThat(p.inputMicrosPerMillion()).isEqualTo(5_000_000);
        assertThat(p.cachedInputMicrosPerMillion()).isEqualTo(5_000_000);
        assertThat(p.outputMicrosPerMillion()).isEqualTo(15_000_000);
    }

    @Test
    void aMiniModelNeverResolvesToItsLargerSibling() {
        assertThat(catalog.price("gpt-4o-mini").model()).isEqualTo("gpt-4o-mini");
        assertThat(catalog.find("gpt-4o-mini-2099-01-01").orElseThrow().model()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void unknownModelIsAClearErrorSuggestingCloseNames() {
        assertThatThrownBy(() -> catalog.price("gpt-4o-mni"))
                .isInstanceOf(UnknownModelException.class)
                .hasMessageContaining("unknown model 'gpt-4o-mni'")
                .hasMessageContaining("gpt-4o-mini");
        UnknownModelException e = (UnknownModelException) org.assertj.core.api.Assertions.catchThrowable(
                () -> catalog.price("claude-sonet-4-6"));
        assertThat(e.suggestions()).first().isEqualTo("claude-sonnet-4-6");
    }

    @Test
    void unknownModelUsesTheDefaultPriceWhenOneIsConfigured() {
        ModelPrice fallback = ModelPrice.builder("fallback").input("10").output("40").build();
        ModelCatalog c = catalog.toBuilder().defaultPrice(fallback).build();
        assertThat(c.price("mystery-model")).isEqualTo(fallback);
        assertThat(c.cost("mystery-model", Usage.of(1_000_000, 0)).micros()).isEqualTo(10_000_000);
    }

    @Test
    void usersOverrideAndExtendTheCatalog() {
        ModelCatalog c = catalog.toBuilder()
                .put(ModelPrice.builder("gpt-4o").provider("openai").input("2.00").output("8.00").build())
                .put(ModelPrice.builder("my-finetune").input("3").cachedInput("1.5").output("12").build())
                .alias("fast", "gpt-5.4-mini")
                .build();
        assertThat(c.price("gpt-4o").inputMicrosPerMillion()).isEqualTo(2_000_000);
        assertThat(c.price("gpt-4o-2024-08-06").inputMicrosPerMillion()).isEqualTo(2_000_000);
        assertThat(c.price("my-finetune").cachedInputMicrosPerMillion()).isEqualTo(1_500_000);
        assertThat(c.price("fast").model()).isEqualTo("gpt-5.4-mini");
        assertThat(catalog.price("gpt-4o").inputMicrosPerMillion()).isEqualTo(2_500_000); // the bundled one is unchanged
    }

    @Test
    void catalogFilesLoadFromConfiguration() {
        String file = """
                # my prices
                provider,model,context_window,max_output_tokens,input,cached_input,cache_write_5m,cache_write_1h,output,source,checked
                acme,acme-large,32_000,4096,1.10,,,,2.20,internal,2026-11-22
                alias,big,acme-large
                """;
        ModelCatalog c = ModelCatalog.builder().load(new StringReader(file), "prices.csv").build();
        assertThat(c.price("big").cachedInputMicrosPerMillion()).isEqualTo(1_100_000);
        assertThat(c.price("acme-large").contextWindow()).isEqualTo(32_000);
    }

    @Test
    void badCatalogFilesNameTheLineAndField() {
        assertThatThrownBy(() -> ModelCatalog.builder()
                        .load(new StringReader("acme,m,1000,10,abc,,,,1,s,d\n"), "prices.csv"))
                .hasMessageContaining("input price")
                .hasMessageContaining("prices.csv line 1");
        assertThatThrownBy(() -> ModelCatalog.builder().load(new StringReader("acme,m,1000\n"), "p.csv"))
                .hasMessageContaining("expected 11 fields");
        assertThatThrownBy(() -> ModelCatalog.builder().alias("x", "nope").build())
                .hasMessageContaining("alias 'x' points at unknown model 'nope'");
        assertThatThrownBy(() -> ModelCatalog.builder()
                        .load(new StringReader("acme,m,1000,10,0.0000001,,,,1,s,d\n"), "p.csv"))
                .hasMessageContaining("more than 6 decimal places");
    }

    @Test
    void builderRequiresInputAndOutputPrices() {
        assertThatThrownBy(() -> ModelPrice.builder("x").input("1").build()).hasMessageContaining("output price is required (x)");
    }
}
