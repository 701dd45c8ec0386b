package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path dir;

    @Test
    void checkConfigAcceptsTheIssueExampleAndNamesTheLineOfAnError() throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, ConfigTest.issueExample());
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, ConfigTest.issueExample().replace("period: day", "period: fortnight"));

        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.run("check-config", good.toString())).isZero();
            assertThat(Main.run("check-config", bad.toString())).isEqualTo(1);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("plans.free.rules[1].period: period must be day, week or month; got 'fortnight' (line 18");
    }
}
