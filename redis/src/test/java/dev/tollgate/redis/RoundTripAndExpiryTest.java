package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Rule;
import dev.tollgate.store.Adjustment;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Correction;
import dev.tollgate.store.Limit;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One Redis command per decision, however many user-scoped rules; an entity's state string that keeps the records
 * of rules a decision does not charge, and expires once every rule is full again, so an idle user costs nothing;
 * the earlier hash layout left alone; and keys whose names carry one hash tag per subject.
 */
class RoundTripAndExpiryTest {

    private static RedisServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = RedisServers.standalone();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    private static long calls(String command) {
        String stat = servers.first().info("commandstats", "cmdstat_" + command);
        if (stat == null) {
            return 0;
        }
        String calls = stat.split(",")[0];
        return Long.parseLong(calls.substring(calls.indexOf('=') + 1));
    }

    private static long totalCommands() {
        return Long.parseLong(servers.first().info("stats", "total_commands_processed"));
    }

    @Test
    void aDecisionOverFiveRulesIsOneEvalsha() {
        List<Limit> limits = List.of(
                Limit.of(Rule.tokenBucket("rpm").capacity(1_000).refill(1_000, Duration.ofMinutes(1)).build()),
                Limit.of(Rule.slidingWindow("tpm").meter(Meter.TOKENS).limit(1_000_000).window(Duration.ofMinutes(1)).build()),
                Limit.of(Rule.fixedWindow("hourly").limit(1_000_000).window(Duration.ofHours(1)).build()),
                Limit.of(Rule.quota("monthly").meter(Meter.USD).limit(100_000_000).per(Period.MONTH)
                        .zone(ZoneId.of("Europe/Paris")).build()),
                Limit.of(Rule.concurrency("in-flight").limit(1_000).build()));
        try (RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix("r" + UUID.randomUUID()).build()) {
            store.apply(new Batch(List.of(new Operation(limits.get(0), "warm", 1)), true, 1));
            long evalsha = calls("evalsha");
            long eval = calls("eval");
            long total = totalCommands();
            int decisions = 200;
            for (int i = 0; i < decisions; i++) {
                long id = 1000 + i;
                List<Operation> ops = limits.stream().map(l -> new Operation(l, "alice", 1)).toList();
                Outcome o = store.apply(new Batch(ops, true, id));
                assertThat(o.committed()).isTrue();
            }
            // Redis counts the commands a script runs too (GET, SET, HSET ...); those are not round trips.
            assertThat(calls("evalsha") - evalsha).isEqualTo(decisions);
            assertThat(calls("eval") - eval).isZero();
            assertThat(totalCommands() - total).as("EVALSHA plus the commands inside the scripts")
                    .isGreaterThan(decisions);
        }
    }

    @Test
    void keysExpireOnceFullSoAnIdleUserHoldsNoMemory() {
        String prefix = "x" + UUID.randomUUID();
        Limit bucket = Limit.of(Rule.tokenBucket("b").capacity(10).refill(10, Duration.ofMillis(300)).build());
        Limit window = Limit.of(Rule.fixedWindow("w").limit(10).window(Duration.ofMillis(200)).build());
        Limit sliding = Limit.of(Rule.slidingWindow("s").limit(10).window(Duration.ofMillis(100)).build());
        Limit leases = Limit.of(Rule.concurrency("c").limit(10).lease(Duration.ofMillis(250)).build());
        try (RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix(prefix).build()) {
            List<Operation> ops = List.of(new Operation(bucket, "carol", 3), new Operation(window, "carol", 3),
                    new Operation(sliding, "carol", 3), new Operation(leases, "carol", 1));
            Outcome o = store.apply(new Batch(ops, true, 7));
            assertThat(o.committed()).isTrue();
            // The entity's state lives until the first whole second after its last record is full (at most 300 ms
            // here); the lease hash until its lease ends.
            String state = prefix + ":{u:carol}:rules";
            long pttl = Long.parseLong(servers.first().command("PTTL " + state).substring(1));
            assertThat(pttl).isPositive().isLessThanOrEqualTo(1_300);
            long leasePttl = Long.parseLong(servers.first().command("PTTL " + prefix + ":{u:carol}:" + leases.stateName()).substring(1));
            assertThat(leasePttl).isPositive().isLessThanOrEqualTo(250);
            RedisServers.await(Duration.ofSeconds(5), () -> countKeys(prefix) == 0, "every key of an idle user to expire");
            // A settle that brings a rule back to full drops its record at once, and the key with its last record.
            Outcome again = store.apply(new Batch(List.of(new Operation(window, "dave", 2)), true, 8));
            store.adjust(new Adjustment(List.of(new Correction(window, "dave", 2, 0)), again.nowMicros(), 8));
            assertThat(servers.first().command("EXISTS " + prefix + ":{u:dave}:rules")).isEqualTo(":0");
        }
    }

    @Test
    void rulesOfOtherPlansOnOneEntityKeepTheirRecords() {
        // Two plans whose rules share a team entity: each decision charges its own rule and must carry the other
        // plan's record over untouched, since the entity's states are one value.
        String prefix = "p" + UUID.randomUUID();
        Limit free = Limit.of(Rule.fixedWindow("free-team").scope(dev.tollgate.policy.Scope.TEAM).limit(10)
                .window(Duration.ofHours(1)).build());
        Limit pro = Limit.of(Rule.fixedWindow("pro-team").scope(dev.tollgate.policy.Scope.TEAM).limit(100)
                .window(Duration.ofHours(1)).build());
        Limit user = Limit.of(Rule.tokenBucket("rpm").capacity(1_000).refill(1_000, Duration.ofMinutes(1)).build());
        try (RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix(prefix).build()) {
            assertThat(store.apply(new Batch(List.of(new Operation(user, "ann", 1), new Operation(free, "ops", 3)),
                    true, 1)).committed()).isTrue();
            assertThat(store.apply(new Batch(List.of(new Operation(pro, "ops", 40)), true, 2)).committed()).isTrue();
            Outcome again = store.apply(new Batch(List.of(new Operation(user, "bob", 1), new Operation(free, "ops", 2)),
                    true, 3));
            assertThat(again.remaining(1)).isEqualTo(5);
            String team = Keys.entityKey(prefix, dev.tollgate.policy.Scope.TEAM, "ops");
            assertThat(servers.first().used(team, free.stateName())).isEqualTo(":5");
            assertThat(servers.first().used(team, pro.stateName())).isEqualTo(":40");
            // A refund that empties one record drops that record only.
            store.adjust(new Adjustment(List.of(new Correction(pro, "ops", 40, 0)), again.nowMicros(), 2));
            assertThat(servers.first().used(team, pro.stateName())).isEqualTo("$-1");
            assertThat(servers.first().used(team, free.stateName())).isEqualTo(":5");
        }
    }

    @Test
    void theExpiryCoversTheLatestRecordAndNeverMovesBack() {
        String prefix = "t" + UUID.randomUUID();
        Limit hourly = Limit.of(Rule.fixedWindow("hourly").limit(10).window(Duration.ofHours(1)).build());
        Limit burst = Limit.of(Rule.tokenBucket("burst").capacity(10).refill(10, Duration.ofMillis(100)).build());
        String state = prefix + ":{u:fay}:rules";
        try (RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix(prefix).build()) {
            // A short-lived record first: the key lives about a second at most.
            assertThat(store.apply(new Batch(List.of(new Operation(burst, "fay", 1)), true, 1)).committed()).isTrue();
            assertThat(pttl(state)).isPositive().isLessThanOrEqualTo(1_100);
            // A record full only at the end of the hour moves the expiry out to it.
            assertThat(store.apply(new Batch(List.of(new Operation(hourly, "fay", 1)), true, 2)).committed()).isTrue();
            long hour = pttl(state);
            assertThat(hour).isGreaterThan(1_100).isLessThanOrEqualTo(3_601_000);
            // Charging the short rule again keeps the hour: the other record still needs it.
            assertThat(store.apply(new Batch(List.of(new Operation(burst, "fay", 1)), true, 3)).committed()).isTrue();
            assertThat(pttl(state)).isGreaterThan(1_100).isLessThanOrEqualTo(hour);
            assertThat(servers.first().used(Keys.entityKey(prefix, dev.tollgate.policy.Scope.USER, "fay"),
                    hourly.stateName())).isEqualTo(":1");
        }
    }

    @Test
    void aBusyEntityIsRewrittenInPlaceAndKeepsItsExpiry() {
        // While the expiry need not move and the records keep their size, a write is a SETRANGE after x, not a SET.
        String prefix = "w" + UUID.randomUUID();
        Limit hourly = Limit.of(Rule.fixedWindow("hourly").limit(100).window(Duration.ofHours(1)).build());
        String state = prefix + ":{u:gil}:rules";
        // A fixed clock, so that no hour ends between the calls (which would move the expiry).
        java.time.Clock clock = java.time.Clock.fixed(java.time.Instant.parse("2026-01-01T00:10:00Z"), java.time.ZoneOffset.UTC);
        try (RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix(prefix).clock(clock).build()) {
            assertThat(store.apply(new Batch(List.of(new Operation(hourly, "gil", 1)), true, 1)).committed()).isTrue();
            long first = pttl(state);
            String value = servers.first().command("STRLEN " + state);
            long setrange = calls("setrange");
            for (int i = 0; i < 5; i++) {
                assertThat(store.apply(new Batch(List.of(new Operation(hourly, "gil", 2)), true, 2 + i)).committed())
                        .isTrue();
            }
            assertThat(calls("setrange") - setrange).isEqualTo(5);
            assertThat(servers.first().command("STRLEN " + state)).isEqualTo(value);
            assertThat(pttl(state)).isPositive().isLessThanOrEqualTo(first);
            assertThat(servers.first().used(Keys.entityKey(prefix, dev.tollgate.policy.Scope.USER, "gil"),
                    hourly.stateName())).isEqualTo(":11");
        }
    }

    @Test
    void stateInTheEarlierHashLayoutIsNeitherReadNorTouched() {
        // Upgrade behaviour (docs/redis.md): the hash an earlier version kept at prefix:{u:gus} is not read, so
        // the budget starts whole, and it is left to expire by itself; reading it as a string must not fail.
        String prefix = "h" + UUID.randomUUID();
        Limit window = Limit.of(Rule.fixedWindow("w").limit(10).window(Duration.ofHours(1)).build());
        String old = prefix + ":{u:gus}";
        assertThat(servers.first().command("HSET " + old + " " + window.stateName() + " spent")).isEqualTo(":1");
        try (RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix(prefix).build()) {
            Outcome o = store.apply(new Batch(List.of(new Operation(window, "gus", 4)), true, 1));
            assertThat(o.committed()).isTrue();
            assertThat(o.remaining(0)).isEqualTo(6);
            assertThat(store.stats().failures()).isZero();
        }
        assertThat(servers.first().command("HGET " + old + " " + window.stateName())).isEqualTo("spent");
        assertThat(servers.first().used(old, window.stateName())).isEqualTo(":4");
    }

    private static long pttl(String key) {
        return Long.parseLong(servers.first().command("PTTL " + key).substring(1));
    }

    @Test
    void entityIdsWithBracesKeepTheirOwnHashTag() {
        assertThat(Keys.entityKey("tg", dev.tollgate.policy.Scope.USER, "a}b{c%d")).isEqualTo("tg:{u:a%7Db%7Bc%25d}");
        assertThat(Keys.entityKey("tg", dev.tollgate.policy.Scope.TEAM, "ops")).isEqualTo("tg:{t:ops}");
    }

    @Test
    void aSentinelUriReachesTheMaster() throws Exception {
        Limit window = Limit.of(Rule.fixedWindow("w").limit(10).window(Duration.ofHours(1)).build());
        try (RedisServers sentinel = RedisServers.sentinel();
             RedisStore store = RedisStore.builder(sentinel.sentinelUri()).keyPrefix("sen").build()) {
            Outcome o = store.apply(new Batch(List.of(new Operation(window, "erin", 4)), true, 1));
            assertThat(o.committed()).as(String.valueOf(o.fault())).isTrue();
            assertThat(o.remaining(0)).isEqualTo(6);
            assertThat(sentinel.first().used("sen:{u:erin}", window.stateName())).isEqualTo(":4");
        }
    }

    private static long countKeys(String prefix) {
        String reply = servers.first().command("EVAL \"return #redis.call('KEYS', ARGV[1])\" 0 " + prefix + "*");
        return Long.parseLong(reply.substring(1));
    }
}
