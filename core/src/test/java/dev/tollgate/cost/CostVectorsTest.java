package dev.tollgate.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Charge;
import org.junit.jupiter.api.Test;

/**
 * Worked cost examples. Prices are micro-USD per million tokens, so tokens x price is pico-USD (10^-12 USD); the
 * total is rounded up once to micro-USD. Every expected number is computed by hand in the comments.
 */
class CostVectorsTest {

    private final ModelCatalog catalog = ModelCatalog.bundled();

    @Test
    void gpt54BillsCachedInputOnceAndReasoningAsOutput() {
        // prompt 10,000 of which 8,000 cached; completion 2,000 of which 1,500 reasoning.
        // uncached input 2,000 x 2,500,000 = 5,000,000,000 pico
        // cached        8,000 x   250,000 = 2,000,000,000 pico
        // output        2,000 x 15,000,000 = 30,000,000,000 pico (reasoning is inside the 2,000)
        // total 37,000,000,000 pico = 37,000 micro-USD = $0.037
        Usage u = Usage.openAi(10_000, 8_000, 2_000, 1_500);
        CostBreakdown c = catalog.cost("gpt-5.4", u);
        assertThat(c).isEqualTo(new CostBreakdown(5_000_000_000L, 2_000_000_000L, 0, 30_000_000_000L));
        assertThat(c.micros()).isEqualTo(37_000);
        assertThat(catalog.charge("gpt-5.4", u)).isEqualTo(new Charge(1, 12_000, 37_000));
    }

    @Test
    void gpt4oMiniRoundsUpOnceToAWholeMicro() {
        // prompt 1,234 of which 1,024 cached; completion 57.
        // input  210 x 150,000 =  31,500,000 pico
        // cached 1,024 x 75,000 = 76,800,000 pico
        // output 57 x 600,000   =  34,200,000 pico
        // total 142,500,000 pico = 142.5 micro -> 143 micro-USD
        CostBreakdown c = catalog.cost("gpt-4o-mini", Usage.openAi(1_234, 1_024, 57, 0));
        assertThat(c).isEqualTo(new CostBreakdown(31_500_000, 76_800_000, 0, 34_200_000));
        assertThat(c.totalPicos()).isEqualTo(142_500_000);
        assertThat(c.micros()).isEqualTo(143);
    }

    @Test
    void o4MiniReasoningTokensBillAtTheOutputPrice() {
        // prompt 5,000, none cached; completion 3,000 of which 2,500 reasoning.
        // input  5,000 x 1,100,000 =  5,500,000,000 pico
        // output 3,000 x 4,400,000 = 13,200,000,000 pico
        // total 18,700,000,000 pico = 18,700 micro-USD
        Usage u = Usage.openAi(5_000, 0, 3_000, 2_500);
        assertThat(catalog.cost("o4-mini", u).micros()).isEqualTo(18_700);
        assertThat(catalog.charge("o4-mini", u).tokens()).isEqualTo(8_000);
    }

    @Test
    void claudeSonnet46PricesCacheReadsAndFiveMinuteWrites() {
        // Anthropic: input_tokens 50 exclude cache_read 100,000 and cache_creation 2,000 (5m); output 500.
        // input  50 x 3,000,000      =    150,000,000 pico
        // cached 100,000 x 300,000   = 30,000,000,000 pico (0.1x input)
        // write  2,000 x 3,750,000   =  7,500,000,000 pico (1.25x input)
        // output 500 x 15,000,000    =  7,500,000,000 pico
        // total 45,150,000,000 pico = 45,150 micro-USD; tokens 50 + 100,000 + 2,000 + 500 = 102,550
        Usage u = Usage.anthropic(50, 100_000, 2_000, 0, 500);
        CostBreakdown c = catalog.cost("claude-sonnet-4-6", u);
        assertThat(c).isEqualTo(new CostBreakdown(150_000_000, 30_000_000_000L, 7_500_000_000L, 7_500_000_000L));
        assertThat(catalog.charge("claude-sonnet-4-6", u)).isEqualTo(new Charge(1, 102_550, 45_150));
    }

    @Test
    void claudeOpus46PricesOneHourWritesAtTwiceInput() {
        // input 3 x 5,000,000                 =          15,000,000 pico
        // 5m write 1,000 x 6,250,000           =   6,250,000,000 pico
        // 1h write 4,000 x 10,000,000          =  40,000,000,000 pico
        // output 1,234 x 25,000,000            =  30,850,000,000 pico
        // total 77,115,000,000 pico = 77,115 micro-USD
        CostBreakdown c = catalog.cost("claude-opus-4-6", Usage.anthropic(3, 0, 1_000, 4_000, 1_234));
        assertThat(c.cacheWritePicos()).isEqualTo(46_250_000_000L);
        assertThat(c.micros()).isEqualTo(77_115);
    }

    @Test
    void claudeHaiku45DatedSnapshotPricesAsItsFamily() {
        // input 7 x 1,000,000 = 7,000,000; cached 333 x 100,000 = 33,300,000;
        // 1h write 111 x 2,000,000 = 222,000,000; output 1 x 5,000,000 = 5,000,000
        // total 267,300,000 pico = 267.3 micro -> 268 micro-USD
        CostBreakdown c = catalog.cost("claude-haiku-4-5-20251001", Usage.anthropic(7, 333, 0, 111, 1));
        assertThat(c.totalPicos()).isEqualTo(267_300_000);
        assertThat(c.micros()).isEqualTo(268);
    }

    @Test
    void gpt4oSnapshotPricesAsGpt4o() {
        // gpt-4o-2024-08-06 -> gpt-4o. prompt 2,000 of which 1,536 cached; completion 400.
        // input 464 x 2,500,000 = 1,160,000,000; cached 1,536 x 1,250,000 = 1,920,000,000;
        // output 400 x 10,000,000 = 4,000,000,000; total 7,080,000,000 pico = 7,080 micro-USD
        assertThat(catalog.cost("gpt-4o-2024-08-06", Usage.openAi(2_000, 1_536, 400, 0)).micros()).isEqualTo(7_080);
    }

    @Test
    void roundingIsPerCallNotPerPart() {
        // gpt-4.1-nano: 1 input x 100,000 + 1 output x 400,000 = 500,000 pico = 0.5 micro -> 1 micro.
        // Rounding each part up would give 2.
        assertThat(catalog.cost("gpt-4.1-nano", Usage.of(1, 1)).micros()).isEqualTo(1);
    }

    @Test
    void embeddingsBillInputOnly() {
        // text-embedding-3-small: 1,000 x 20,000 = 20,000,000 pico = 20 micro-USD
        assertThat(catalog.charge("text-embedding-3-small", Usage.of(1_000, 0))).isEqualTo(new Charge(1, 1_000, 20));
    }

    @Test
    void zeroUsageCostsNothingButCountsTheRequest() {
        assertThat(catalog.charge("gpt-5.4", Usage.ZERO)).isEqualTo(new Charge(1, 0, 0));
    }
}
