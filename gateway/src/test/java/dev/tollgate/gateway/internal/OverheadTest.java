package dev.tollgate.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The overhead is the whole time less the provider's, from the times it is given (no clock is read here). */
class OverheadTest {

    @Test
    void theProvidersTimeIsNotTheGatewaysOverhead() {
        Overhead o = new Overhead(1_000_000);
        o.sentAt(1_150_000); // 150 us to estimate, reserve and send
        o.answeredAt(9_150_000); // the provider had it for 8 ms
        assertThat(o.micros(9_230_000)).isEqualTo(230); // and 80 us to meter, settle and answer
    }

    @Test
    void aCallThatNeverReachedTheProviderIsAllOverhead() {
        Overhead o = new Overhead(1_000_000);
        assertThat(o.micros(1_042_999)).isEqualTo(42);
        o.answeredAt(5_000_000); // a failure before the request was written: no provider time to take off
        assertThat(o.micros(5_001_000)).isEqualTo(4_001);
    }

    @Test
    void anAnswerBeforeTheRequestWasSeenSentTakesNothingOff() {
        Overhead o = new Overhead(0);
        o.answeredAt(2_000);
        o.sentAt(3_000); // listeners may run out of order on a failure; then the whole time counts
        assertThat(o.micros(10_000)).isEqualTo(10);
    }
}
