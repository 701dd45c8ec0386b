package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.redis.internal.Deadlines;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sweep that times out the store's calls in flight (FaultTest runs it against a stopped server). */
class DeadlinesTest {

    @Test
    void aCallStillWaitingAfterTheTimeoutIsFailedAsLate() throws Exception {
        try (Deadlines deadlines = new Deadlines(TimeUnit.MILLISECONDS.toNanos(50))) {
            CompletableFuture<String> call = new CompletableFuture<>();
            long start = System.nanoTime();
            int slot = deadlines.track(call);
            assertThat(slot).isNotNegative();
            assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(Deadlines.Late.class).hasMessage("no answer within 50 ms");
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
            deadlines.done(slot);
        }
    }

    @Test
    void anAnsweredCallKeepsItsAnswer() throws Exception {
        try (Deadlines deadlines = new Deadlines(TimeUnit.MILLISECONDS.toNanos(20))) {
            CompletableFuture<String> answered = new CompletableFuture<>();
            int slot = deadlines.track(answered);
            answered.complete("ok");
            // A later call that is never answered shows the sweep has passed the answered one's deadline.
            CompletableFuture<String> late = new CompletableFuture<>();
            int other = deadlines.track(late);
            assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(Deadlines.Late.class);
            assertThat(answered.get()).isEqualTo("ok");
            deadlines.done(slot);
            deadlines.done(other);
        }
    }

    @Test
    void aCallThatFindsEverySlotTakenIsNotTrackedAndAFreedSlotIsTakenAgain() {
        try (Deadlines deadlines = new Deadlines(TimeUnit.SECONDS.toNanos(60))) {
            int[] slots = new int[Deadlines.SLOTS];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = deadlines.track(new CompletableFuture<>());
                assertThat(slots[i]).isNotNegative();
            }
            assertThat(deadlines.track(new CompletableFuture<>())).isEqualTo(-1);
            deadlines.done(slots[17]);
            assertThat(deadlines.track(new CompletableFuture<>())).isEqualTo(slots[17]);
        }
    }
}
