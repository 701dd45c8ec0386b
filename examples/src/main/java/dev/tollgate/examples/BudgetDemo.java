package dev.tollgate.examples;

import static dev.tollgate.policy.Meter.REQUESTS;
import static dev.tollgate.policy.Meter.TOKENS;
import static dev.tollgate.policy.Meter.USD;
import static dev.tollgate.policy.Period.DAY;
import static dev.tollgate.policy.Period.MONTH;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.RuleStatus;
import dev.tollgate.Subject;
import dev.tollgate.policy.Money;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import java.time.Duration;
import java.time.ZoneOffset;

/**
 * The engine in one minute: a user on the free plan bursts, is denied with a reason and a Retry-After, waits,
 * and is allowed again; then a big call meets the daily token budget.
 */
public final class BudgetDemo {

    private BudgetDemo() {
    }

    /** Runs the demo; it takes about two seconds. */
    public static void main(String[] args) throws InterruptedException {
        Plan free = Plan.named("free")
                .rule(Rule.tokenBucket("burst").meter(REQUESTS).capacity(3).refill(3, Duration.ofSeconds(3)))
                .rule(Rule.quota("daily-tokens").meter(TOKENS).limit(20_000).per(DAY).zone(ZoneOffset.UTC))
                .rule(Rule.quota("monthly-spend").meter(USD).limit(Money.usd("5.00")).per(MONTH));
        Plan pro = Plan.named("pro")
                .rule(Rule.tokenBucket("burst").meter(TOKENS).capacity(100_000).refill(50_000, Duration.ofMinutes(1)))
                .rule(Rule.quota("monthly-spend").meter(USD).limit(Money.usd("200.00")).per(MONTH));
        Subject alice = Subject.user("alice", "free");

        try (Guard guard = Guard.inMemory(Policy.of(free, pro))) {
            System.out.println("Plan free: " + free.rules());
            System.out.println();
            System.out.println("alice sends 5 calls at once, each estimated at 1,200 tokens:");
            Decision last = null;
            for (int call = 1; call <= 5; call++) {
                last = call(guard, alice, call, Charge.tokens(1_200).plusRequest());
            }

            Duration wait = last.retryAfter().orElseThrow();
            System.out.println();
            System.out.printf("alice waits for Retry-After (%d ms)...%n", wait.toMillis());
            Thread.sleep(wait.toMillis() + 1);
            call(guard, alice, 6, Charge.tokens(1_200).plusRequest());

            System.out.println();
            System.out.println("alice asks for an 18,000-token completion, then a 25,000-token one:");
            call(guard, alice, 7, Charge.tokens(18_000).plusRequest());
            call(guard, alice, 8, Charge.tokens(25_000).plusRequest());

            System.out.println();
            System.out.println("What alice has left:");
            for (RuleStatus rule : guard.status(alice).rules()) {
                System.out.printf("  %-14s %s left of %s, whole again at %s%n", rule.name(),
                        rule.rule().meter().format(rule.remaining()), rule.rule().meter().format(rule.limit()),
                        rule.resetAt());
            }
        }
    }

    private static Decision call(Guard guard, Subject subject, int n, Charge estimate) {
        try (Reservation reservation = guard.reserve(subject, estimate)) {
            Decision decision = reservation.decision();
            if (reservation.denied()) {
                String retry = decision.retryAfter().map(d -> "Retry-After " + Math.max(1, (d.toMillis() + 999) / 1000)
                        + "s").orElse("do not retry");
                System.out.printf("  call %d: 429 %s (%s)%n", n, decision.reason(), retry);
                return decision;
            }
            // The model answered with fewer tokens than reserved; settling refunds the difference.
            Charge actual = Charge.tokens(estimate.tokens() * 3 / 4).plusRequest().usd(Money.usd("0.0009"));
            reservation.settle(actual);
            System.out.printf("  call %d: 200 allowed, settled at %,d tokens and %s%n", n, actual.tokens(),
                    actual.money());
            return decision;
        }
    }
}
