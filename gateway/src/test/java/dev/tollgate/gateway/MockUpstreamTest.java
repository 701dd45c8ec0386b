package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MockUpstreamTest {

    /** The built-in mock shares the gateway's heap for as long as the gateway runs: what it keeps must be bounded. */
    @Test
    void keepsOnlyTheLatestReports() {
        try (MockUpstream mock = MockUpstream.start("127.0.0.1", 0, Config.MockConfig.DEFAULTS)) {
            int extra = 3;
            for (int i = 0; i < MockUpstream.KEPT_REPORTS + extra; i++) {
                mock.report(new MockUpstream.Report("/v1/chat/completions", "m" + i, i, 0, 1, 0, 1, true));
            }
            List<MockUpstream.Report> kept = mock.reports();
            assertThat(kept).hasSize(MockUpstream.KEPT_REPORTS);
            assertThat(kept.get(0).model()).isEqualTo("m" + extra);
            assertThat(kept.get(kept.size() - 1).model()).isEqualTo("m" + (MockUpstream.KEPT_REPORTS + extra - 1));
        }
    }
}
