package dev.tollgate.redis;

import dev.tollgate.internal.Algorithms;
import dev.tollgate.internal.CalendarPeriods;
import dev.tollgate.internal.LeaseTable;
import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Mode;
import dev.tollgate.policy.Rule;
import dev.tollgate.redis.internal.ClientSettings;
import dev.tollgate.redis.internal.Deadlines;
import dev.tollgate.store.Adjustment;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Correction;
import dev.tollgate.store.Limit;
import dev.tollgate.store.MemoryStore;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import dev.tollgate.store.Store;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link Store} whose state lives in Redis (standalone, Sentinel or Cluster; Valkey the same), shared by every
 * instance that points at it.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>One round trip per decision</b> for the rules of one subject: all of an entity's keys share a hash
 *       tag, and one {@code EVALSHA} evaluates and charges all of them, atomically (all or nothing). On a
 *       standalone or Sentinel deployment every rule of a decision, whatever its scope, is in that one script.</li>
 *   <li><b>Cluster, cross-slot:</b> rules of other scopes (team, org, global) whose entities hash to other slots
 *       are reserved one slot group at a time, in scope order; if a later group denies, the earlier groups are
 *       refunded. No limit is ever exceeded by this (charges and refunds commute); the cost is that a decision
 *       that is finally denied holds its reservation on earlier groups for a round trip, so concurrent
 *       decisions may be denied that would otherwise fit. See docs/redis.md.</li>
 *   <li><b>Same semantics as {@link MemoryStore}:</b> the Lua scripts decide and charge with the same integer
 *       steps as {@link Algorithms}, and return the pre-charge state, from which Java computes remaining, reset
 *       and retry-after with {@link Algorithms} itself.</li>
 *   <li><b>Time</b> is the Redis server's {@code TIME}, read inside the script, so instances with skewed clocks
 *       agree. Tests may inject a clock instead ({@link Builder#clock(Clock)}).</li>
 *   <li><b>Bounded</b>: every call has a timeout; while Redis cannot answer the store decides as its
 *       {@link FailureMode} says, and returns to Redis by itself once Redis answers again. {@link #stats()}
 *       counts what happened.</li>
 * </ul>
 */
public final class RedisStore implements Store {

    private static final long MAX_DEBT = Algorithms.MAX_DEBT_MICROS;
    // Each operation travels as one script argument: its name (one length byte, then the bytes) and its numbers as
    // packed little-endian doubles: apply.lua's algorithm, live, amount, limit, p1 .. p5 and key index, adjust.lua's
    // algorithm, diff, p1 .. p3 and key index. Every number is an integer below 2^53, which a double holds exactly.
    // The scripts answer in packed doubles too (see Scripts).
    private static final int APPLY_NUMBERS = 10;
    private static final int ADJUST_NUMBERS = 6;
    // The header of the common calls (server time, one entity, no test clock), rendered once.
    private static final byte[] RESERVE_HEADER = doubles(1, -1, 0, 1);
    private static final byte[] CHECK_HEADER = doubles(0, -1, 0, 1);
    private static final int CALENDAR_RETRIES = 3;

    private final String description;
    private final AutoCloseable client;
    private final ClientResources resources;
    private final Deadlines deadlines;
    // Null until a first connection succeeds: a store built while Redis is down starts in its failure mode and
    // connects when Redis appears. Once connected, Lettuce reconnects by itself.
    private final java.util.function.Supplier<StatefulConnection<String, byte[]>> connector;
    private final java.util.concurrent.locks.ReentrantLock connecting = new java.util.concurrent.locks.ReentrantLock();
    private volatile StatefulConnection<String, byte[]> connection;
    private volatile RedisClusterAsyncCommands<String, byte[]> commands;
    private final boolean cluster;
    private final String prefix;
    private final Clock clock;
    private final long slackMillis;
    private final long timeoutNanos;
    private final long retryAfterFailureNanos;
    private final FailureMode failureMode;
    private final double localShare;
    private final MemoryStore local;
    private final Map<Limit, Limit> localLimits = new ConcurrentHashMap<>();
    // Reservations decided without Redis, by id, so that their settle goes where their charge went (or, for
    // fail-open, charges the actual usage that was never counted). Bounded: past the cap, such settles are lost
    // and counted, which the reservations' expiry makes harmless.
    private static final int MAX_TRACKED = 1_000_000;
    private final Set<Long> localReservations = ConcurrentHashMap.newKeySet();
    private final Set<Long> uncountedReservations = ConcurrentHashMap.newKeySet();
    private final Map<Limit, RuleArgs> ruleArgs = new ConcurrentHashMap<>();

    // The server's time minus this JVM's nanoTime, in micros, when it last reported (NO_SERVER_TIME before): a
    // guess of server time for the calendar periods Java hands the script. The script checks the guess; a wrong one
    // costs a retry, never a wrong answer. One long, so that noting it allocates nothing.
    private static final long NO_SERVER_TIME = Long.MIN_VALUE;
    private volatile long serverOffsetMicros = NO_SERVER_TIME;
    // While Redis is failing, calls skip it until this nanoTime, then calls try again. A flag, not a time in the
    // past, marks recovery: a thread that read nanoTime a moment before another thread's success must not
    // mistake that success for a failure window.
    private volatile boolean failing;
    private volatile long skipUntilNanos;
    private volatile String lastFailure = "";

    private final LongAdder decisions = new LongAdder();
    private final LongAdder redisCalls = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder degradedDecisions = new LongAdder();
    private final LongAdder failOpenAllowed = new LongAdder();
    private final LongAdder failClosedDenied = new LongAdder();
    private final LongAdder scriptReloads = new LongAdder();
    private final LongAdder crossSlotRefunds = new LongAdder();
    private final LongAdder lostAdjustments = new LongAdder();

    // Lettuce 7.1 deprecates the adaptive refresh triggers without a replacement yet; they are still what follows
    // a failover or a slot move promptly.
    @SuppressWarnings("deprecation")
    private RedisStore(Builder b) {
        this.description = b.uris.toString();
        this.prefix = b.prefix;
        this.clock = b.clock;
        this.slackMillis = b.clock == null ? 0 : b.testClockTtlSlack.toMillis();
        this.timeoutNanos = b.timeout.toNanos();
        this.retryAfterFailureNanos = b.retryAfterFailure.toNanos();
        this.failureMode = b.failureMode;
        this.localShare = b.localShare;
        this.local = b.failureMode == FailureMode.LOCAL_FALLBACK
                ? MemoryStore.withClock(b.clock != null ? b.clock : Clock.systemUTC()) : null;
        // Consolidated flushes (many callers pipeline on one connection) and quick reconnects.
        this.resources = ClientSettings.resources();
        // No per-command timer: every call waits at most the timeout, enforced by one sweep of the calls in flight
        // (await, Deadlines); Lettuce's own timeout would schedule a timer task and a callback per command.
        this.deadlines = new Deadlines(timeoutNanos);
        TimeoutOptions timeouts = TimeoutOptions.builder().timeoutCommands(false).build();
        SocketOptions socket = SocketOptions.builder().connectTimeout(b.connectTimeout).keepAlive(true).build();
        List<RedisURI> uris = new ArrayList<>();
        for (String uri : b.uris) {
            uris.add(RedisURI.create(uri));
        }
        this.cluster = b.cluster || uris.size() > 1;
        if (cluster) {
            RedisClusterClient c = RedisClusterClient.create(resources, uris);
            c.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    // Fail fast while disconnected: the failure mode answers instead of a queue that waits.
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .build())
                    .build());
            this.client = c::shutdown;
            this.connector = () -> connectToEveryUpstream(c);
        } else {
            RedisClient c = RedisClient.create(resources, uris.get(0));
            c.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .maintNotificationsConfig(MaintNotificationsConfig.disabled())
                    .build());
            this.client = c::shutdown;
            this.connector = () -> c.connect(Scripts.CODEC);
        }
        try {
            connect();
        } catch (Unavailable e) {
            failed(e);
        }
    }

    // Connects if not yet connected. One thread connects; the others do not wait for it but fail at once.
    private RedisClusterAsyncCommands<String, byte[]> connect() {
        RedisClusterAsyncCommands<String, byte[]> c = commands;
        if (c != null) {
            return c;
        }
        if (!connecting.tryLock()) {
            throw new Unavailable("not connected yet", null);
        }
        try {
            if (commands == null) {
                StatefulConnection<String, byte[]> conn = connector.get();
                connection = conn;
                commands = conn instanceof StatefulRedisClusterConnection<String, byte[]> cc ? cc.async()
                        : ((StatefulRedisConnection<String, byte[]>) conn).async();
            }
            return commands;
        } catch (RuntimeException e) {
            throw new Unavailable("cannot connect: " + e.getMessage(), e);
        } finally {
            connecting.unlock();
        }
    }

    /**
     * A cluster connection whose connections to the masters are open before the first decision. Lettuce opens a
     * node's connection on the first command for it; 7.7 rejects a command that arrives while that connection is
     * still opening under {@code REJECT_COMMANDS} (redis/lettuce#3747; 7.1 let it wait), as if the node were down,
     * so every slot's first decision would fail closed. Opening is best effort: a master that cannot be reached now
     * leaves its slots to the failure mode until a later command connects it, as a master that appears later (a
     * failover) is connected by its first command, which the failure mode decides.
     */
    private static StatefulRedisClusterConnection<String, byte[]> connectToEveryUpstream(RedisClusterClient client) {
        StatefulRedisClusterConnection<String, byte[]> connection = client.connect(Scripts.CODEC);
        for (RedisClusterNode node : connection.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                try {
                    // by host and port: the key that slot routing looks connections up by (a node id is another)
                    connection.getConnection(node.getUri().getHost(), node.getUri().getPort());
                } catch (RuntimeException unreachable) {
                    // its slots are decided by the failure mode until a command reaches it
                }
            }
        }
        return connection;
    }

    /** A builder for a store on one Redis URI: {@code redis://}, {@code rediss://} or {@code redis-sentinel://}. */
    public static Builder builder(String uri) {
        return new Builder(List.of(Objects.requireNonNull(uri, "uri")));
    }

    /** A builder for a store on a Redis Cluster, given one or more of its nodes' {@code redis://} URIs. */
    public static Builder cluster(List<String> uris) {
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("redis cluster: at least one node URI is needed, got none");
        }
        return new Builder(List.copyOf(uris)).cluster(true);
    }

    /** A store on one Redis URI, failing closed, with the default timeouts. */
    public static RedisStore create(String uri) {
        return builder(uri).build();
    }

    @Override
    public Outcome apply(Batch batch) {
        decisions.increment();
        if (skipping()) {
            return degraded(batch);
        }
        try {
            Outcome outcome = applyRemote(batch);
            if (failing) {
                failing = false;
            }
            return outcome;
        } catch (Unavailable e) {
            failed(e);
            return degraded(batch);
        }
    }

    @Override
    public void adjust(Adjustment adjustment) {
        List<Correction> corrections = adjustment.corrections();
        if (corrections.isEmpty()) {
            return;
        }
        if (local != null && localReservations.remove(adjustment.reservationId())) {
            local.adjust(new Adjustment(localCorrections(corrections), adjustment.reservedAtMicros(),
                    adjustment.reservationId()));
            return;
        }
        if (uncountedReservations.remove(adjustment.reservationId())) {
            // Allowed by fail-open, never charged: what it really used is charged now, as debt if need be.
            List<Correction> usage = new ArrayList<>(corrections.size());
            for (Correction c : corrections) {
                usage.add(new Correction(c.limit(), c.entity(), 0, c.actual()));
            }
            corrections = usage;
        }
        if (skipping()) {
            lostAdjustments.increment();
            return;
        }
        try {
            for (List<Correction> group : groupCorrections(corrections)) {
                adjustRemote(group, adjustment.reservedAtMicros(), adjustment.reservationId());
            }
        } catch (Unavailable e) {
            // The reservation keeps its estimate; its keys expire like any other. Counted, never thrown: a settle
            // must not fail the call it settles.
            failed(e);
            lostAdjustments.increment();
        }
    }

    /** What the store has done since it started. */
    public Stats stats() {
        return new Stats(decisions.sum(), redisCalls.sum(), failures.sum(), degradedDecisions.sum(),
                failOpenAllowed.sum(), failClosedDenied.sum(), scriptReloads.sum(), crossSlotRefunds.sum(),
                lostAdjustments.sum(), lastFailure);
    }

    /** True if the last call reached Redis, false while the store is deciding by its failure mode. */
    public boolean healthy() {
        return !failing;
    }

    private boolean skipping() {
        return failing && System.nanoTime() - skipUntilNanos < 0;
    }

    @Override
    public void close() {
        try {
            StatefulConnection<String, byte[]> conn = connection;
            if (conn != null) {
                conn.close();
            }
            client.close();
        } catch (Exception e) {
            // Closing is best effort.
        } finally {
            deadlines.close();
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            if (local != null) {
                local.close();
            }
        }
    }

    @Override
    public String toString() {
        return "RedisStore[" + description + ", " + failureMode + "]";
    }

    // ---- the Redis path --------------------------------------------------------------------------------------

    private Outcome applyRemote(Batch batch) {
        List<Operation> ops = batch.operations();
        List<int[]> groups = groupOperations(ops);
        if (groups.size() <= 1) {
            int[] all = groups.isEmpty() ? new int[0] : groups.get(0);
            long[] r = runApply(ops, all, batch.commit(), batch.reservationId());
            Outcome outcome = new Outcome(r[0], ops.size());
            fill(ops, all, r, outcome);
            outcome.committed(r[2] == 1);
            return outcome;
        }
        // Cross-slot: reserve group by group in scope order; on a live denial, report the rest without charging
        // and refund what was reserved.
        long[][] results = new long[groups.size()][];
        boolean denied = false;
        int charged = 0;
        for (int g = 0; g < groups.size(); g++) {
            boolean charge = batch.commit() && !denied;
            long[] r;
            try {
                r = runApply(ops, groups.get(g), charge, batch.reservationId());
            } catch (Unavailable e) {
                // A later slot's node is unreachable: give back what earlier slots reserved, then let the
                // failure mode decide.
                for (int k = 0; k < charged; k++) {
                    refund(ops, groups.get(k), results[k], batch.reservationId());
                }
                throw e;
            }
            results[g] = r;
            if (charge) {
                if (r[2] == 1) {
                    charged = g + 1;
                } else {
                    denied = true;
                }
            }
        }
        Outcome outcome = new Outcome(results[0][0], ops.size());
        for (int g = 0; g < groups.size(); g++) {
            fill(ops, groups.get(g), results[g], outcome);
        }
        if (denied) {
            for (int g = 0; g < charged; g++) {
                refund(ops, groups.get(g), results[g], batch.reservationId());
            }
        }
        outcome.committed(batch.commit() && !denied);
        return outcome;
    }

    // Returns a group's charges: each rule that the group's script charged goes back from its amount to 0.
    private void refund(List<Operation> ops, int[] group, long[] r, long reservationId) {
        List<Correction> corrections = new ArrayList<>(group.length);
        for (int k = 0; k < group.length; k++) {
            if (r[3 + 4 * k] == 1) {
                Operation op = ops.get(group[k]);
                corrections.add(new Correction(op.limit(), op.entity(), op.amount(), 0));
            }
        }
        crossSlotRefunds.increment();
        try {
            adjustRemote(corrections, r[0], reservationId);
        } catch (Unavailable e) {
            // The reservation stays on that slot until its window ends or its bucket refills: budget held back,
            // never budget given away. Counted; the decision stands.
            failed(e);
            lostAdjustments.increment();
        }
    }

    private long[] runApply(List<Operation> ops, int[] group, boolean commit, long reservationId) {
        int n = group.length;
        // KEYS: the entity strings, each once (KEYS[1..m]), then the lease hashes; each operation names its key's
        // index. Most decisions are one entity: one GET and one SET.
        String[] keys = new String[n];
        int[] keyIndex = new int[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            Operation op = ops.get(group[k]);
            if (op.limit().algorithm() != Algorithm.CONCURRENCY) {
                keyIndex[k] = indexOf(keys, m, Keys.stateKey(prefix, op.limit().scope(), op.entity()));
                if (keyIndex[k] > m) {
                    m++;
                }
            }
        }
        int count = m;
        for (int k = 0; k < n; k++) {
            Operation op = ops.get(group[k]);
            if (op.limit().algorithm() == Algorithm.CONCURRENCY) {
                keyIndex[k] = indexOf(keys, count, Keys.leaseKey(prefix, op.limit().scope(), op.entity(), op.limit()));
                if (keyIndex[k] > count) {
                    count++;
                }
            }
        }
        if (count < n) {
            keys = java.util.Arrays.copyOf(keys, count);
        }
        byte[][] args = new byte[1 + n][];
        long guess = clock != null ? CalendarPeriods.toMicros(clock.instant()) : guessServerMicros();
        if (clock == null && m == 1) {
            args[0] = commit ? RESERVE_HEADER : CHECK_HEADER;
        } else {
            args[0] = doubles(commit ? 1 : 0, clock != null ? guess : -1, slackMillis, m);
        }
        for (int attempt = 0; ; attempt++) {
            for (int k = 0; k < n; k++) {
                Operation op = ops.get(group[k]);
                Limit limit = op.limit();
                RuleArgs rule = ruleArgs(limit);
                long amount = op.amount();
                boolean calendar = limit.algorithm() == Algorithm.CALENDAR_QUOTA;
                if (limit.algorithm() == Algorithm.CONCURRENCY) {
                    // A lease is named by its reservation's id: the name part carries the id.
                    args[1 + k] = withName(Long.toString(reservationId).getBytes(StandardCharsets.US_ASCII), rule.arg(),
                            rule.nameLength());
                } else if (amount == 1 && !calendar && keyIndex[k] == 1) {
                    // The argument rendered once for this rule is the call's: shared, never written to.
                    args[1 + k] = rule.arg();
                    continue;
                } else {
                    args[1 + k] = rule.arg().clone();
                }
                ByteBuffer p = ByteBuffer.wrap(args[1 + k]).order(ByteOrder.LITTLE_ENDIAN);
                int at = args[1 + k].length - 8 * APPLY_NUMBERS;
                p.putDouble(at + 2 * 8, Math.min(amount, Rule.MAX_LIMIT + 1));
                if (limit.algorithm() == Algorithm.TOKEN_BUCKET) {
                    // Costs as whole micros plus a fraction in 1/refill micros, exactly as Algorithms keeps them.
                    // Any cost above the tolerance is denied alike; clamping keeps it exact in Lua.
                    long whole = limit.costWhole(amount);
                    boolean clamped = whole > limit.toleranceWhole();
                    p.putDouble(at + 4 * 8, clamped ? limit.toleranceWhole() + 1 : whole);
                    p.putDouble(at + 5 * 8, clamped ? 0 : limit.costFraction(amount));
                } else if (calendar) {
                    long start = limit.windowStart(guess);
                    p.putDouble(at + 4 * 8, start);
                    p.putDouble(at + 5 * 8, limit.windowEnd(start));
                }
                p.putDouble(at + 9 * 8, keyIndex[k]);
            }
            long[] r = eval(Scripts.APPLY, keys, args);
            noteServerTime(r[0]);
            if (r[1] == 0) {
                return r;
            }
            if (attempt == CALENDAR_RETRIES) {
                throw new IllegalStateException("calendar period never held the server time " + r[0]);
            }
            guess = r[0];
            if (clock != null) {
                args[0] = doubles(commit ? 1 : 0, guess, slackMillis, m);
            }
        }
    }

    // The 1-based index of key among keys[0 .. count), appending it (at count + 1) if it is not there.
    private static int indexOf(String[] keys, int count, String key) {
        for (int j = 0; j < count; j++) {
            if (keys[j].equals(key)) {
                return j + 1;
            }
        }
        keys[count] = key;
        return count + 1;
    }

    // A script argument: name (one length byte, then the bytes), then the numbers of arg, which are either bare
    // (nameLength -1) or follow a name of nameLength bytes, which this one replaces.
    private static byte[] withName(byte[] name, byte[] arg, int nameLength) {
        if (name.length > 255) {
            // Rule names are at most 64 characters, so a state name is well below this.
            throw new IllegalArgumentException("redis: a state name must be at most 255 bytes, got " + name.length);
        }
        int from = nameLength < 0 ? 0 : 1 + nameLength;
        int numbers = arg.length - from;
        byte[] out = new byte[1 + name.length + numbers];
        out[0] = (byte) name.length;
        System.arraycopy(name, 0, out, 1, name.length);
        System.arraycopy(arg, from, out, 1 + name.length, numbers);
        return out;
    }

    private void adjustRemote(List<Correction> corrections, long reservedAt, long reservationId) {
        List<Correction> live = new ArrayList<>(corrections.size());
        for (Correction c : corrections) {
            if (c.limit().algorithm() == Algorithm.CONCURRENCY || c.actual() != c.estimated()) {
                live.add(c);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        int n = live.size();
        // KEYS as in runApply: the entity strings once each, then the lease hashes.
        String[] keys = new String[n];
        int[] keyIndex = new int[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            Correction c = live.get(k);
            if (c.limit().algorithm() != Algorithm.CONCURRENCY) {
                keyIndex[k] = indexOf(keys, m, Keys.stateKey(prefix, c.limit().scope(), c.entity()));
                if (keyIndex[k] > m) {
                    m++;
                }
            }
        }
        int count = m;
        for (int k = 0; k < n; k++) {
            Correction c = live.get(k);
            if (c.limit().algorithm() == Algorithm.CONCURRENCY) {
                keyIndex[k] = indexOf(keys, count, Keys.leaseKey(prefix, c.limit().scope(), c.entity(), c.limit()));
                if (keyIndex[k] > count) {
                    count++;
                }
            }
        }
        if (count < n) {
            keys = java.util.Arrays.copyOf(keys, count);
        }
        byte[][] args = new byte[1 + n][];
        long guess = clock != null ? CalendarPeriods.toMicros(clock.instant()) : guessServerMicros();
        byte[] lease = Long.toString(reservationId).getBytes(StandardCharsets.US_ASCII);
        for (int attempt = 0; ; attempt++) {
            args[0] = doubles(0, clock != null ? guess : -1, slackMillis, m);
            for (int k = 0; k < n; k++) {
                Correction c = live.get(k);
                Limit limit = c.limit();
                RuleArgs rule = ruleArgs(limit);
                long diff;
                long p1 = 0;
                long p2 = 0;
                long p3 = 0;
                switch (limit.algorithm()) {
                    case TOKEN_BUCKET -> {
                        // The direction, then the exact cost of the difference (whole micros, 1/refill fraction).
                        long units = Math.abs(c.actual() - c.estimated());
                        long whole = limit.costWhole(units);
                        boolean clamped = whole > 2 * MAX_DEBT;
                        diff = Long.signum(c.actual() - c.estimated());
                        p1 = clamped ? 2 * MAX_DEBT : whole;
                        p2 = clamped ? 0 : limit.costFraction(units);
                        p3 = limit.refillAmount();
                    }
                    case FIXED_WINDOW -> {
                        diff = clamp(c.actual() - c.estimated(), Rule.MAX_LIMIT);
                        p1 = limit.windowMicros();
                        p2 = limit.windowEnd(limit.windowStart(reservedAt));
                    }
                    case CALENDAR_QUOTA -> {
                        diff = clamp(c.actual() - c.estimated(), Rule.MAX_LIMIT);
                        long start = limit.windowStart(guess);
                        p1 = start;
                        p2 = limit.windowEnd(start);
                        p3 = limit.windowEnd(limit.windowStart(reservedAt));
                    }
                    case SLIDING_WINDOW -> {
                        diff = clamp(c.actual() - c.estimated(), Rule.MAX_LIMIT);
                        p1 = limit.windowMicros();
                        p2 = Math.floorDiv(reservedAt, limit.windowMicros()) * limit.windowMicros();
                    }
                    default -> diff = 0;
                }
                byte[] name = limit.algorithm() == Algorithm.CONCURRENCY ? lease : rule.name();
                args[1 + k] = withName(name, doubles(Keys.code(limit.algorithm()), diff, p1, p2, p3, keyIndex[k]), -1);
            }
            long[] r = eval(Scripts.ADJUST, keys, args);
            noteServerTime(r[0]);
            if (r[1] == 0) {
                return;
            }
            if (attempt == CALENDAR_RETRIES) {
                throw new IllegalStateException("calendar period never held the server time " + r[0]);
            }
            guess = r[0];
        }
    }

    // Fills the outcome of a group's operations from the pre-charge state the script returned, with the same
    // Algorithms code the memory store runs. The script's "allowed" must agree; if it ever did not, the Lua and
    // Java maths would differ, which is a bug to surface, not to paper over.
    private static void fill(List<Operation> ops, int[] group, long[] r, Outcome outcome) {
        long now = r[0];
        long[] state = new long[3];
        for (int k = 0; k < group.length; k++) {
            int i = group[k];
            Operation op = ops.get(i);
            int at = 3 + 4 * k;
            state[0] = r[at + 1];
            state[1] = r[at + 2];
            state[2] = r[at + 3];
            LeaseTable leases = null;
            if (op.limit().algorithm() == Algorithm.CONCURRENCY) {
                // The script reports the live leases' total, earliest and latest expiry: all Algorithms reads.
                leases = new LeaseTable();
                if (state[0] > 0) {
                    leases.add(1, state[1], state[0]);
                    leases.add(2, state[2], 0);
                }
            }
            boolean allowed = Algorithms.evaluate(op.limit(), state, 0, leases, now, op.amount(), outcome, i);
            if (allowed != (r[at] == 1)) {
                throw new IllegalStateException("Lua and Algorithms disagree on " + op.limit() + " at " + now
                        + ", state " + state[0] + "," + state[1] + "," + state[2] + ", amount " + op.amount());
            }
        }
    }

    // The scripts answer with one string of packed doubles: cheaper for Redis to send and for Lettuce to read
    // than an array of integers.
    private long[] eval(Scripts script, String[] keys, byte[][] args) {
        redisCalls.increment();
        try {
            return await(connect().dispatch(CommandType.EVALSHA, Scripts.reply(), script.evalsha(keys, args)));
        } catch (RedisNoScriptException e) {
            // After a restart, a failover or SCRIPT FLUSH: EVAL sends the body once and caches it again.
            scriptReloads.increment();
            redisCalls.increment();
            return await(connect().dispatch(CommandType.EVAL, Scripts.reply(), script.eval(keys, args)));
        }
    }

    // Waits for the answer, at most the timeout: the deadline sweep fails the call once it is late, so the wait
    // itself needs no timer (see Deadlines). Only a call that found no free slot waits with a timeout of its own.
    private <T> T await(io.lettuce.core.RedisFuture<T> future) {
        CompletableFuture<T> f = future.toCompletableFuture();
        int slot = deadlines.track(f);
        try {
            return slot >= 0 ? f.get() : f.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new Unavailable("no answer within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Deadlines.Late late) {
                throw new Unavailable(late.getMessage(), late);
            }
            if (cause instanceof RedisNoScriptException noScript) {
                throw noScript;
            }
            if (cause instanceof RedisException || cause instanceof IOException) {
                // Script errors (a bug) are RedisExceptions too, but unavailable is what they mean to the caller.
                throw new Unavailable(String.valueOf(cause.getMessage()), cause);
            }
            throw new Unavailable(cause.toString(), cause);
        } catch (RedisException e) {
            throw new Unavailable(String.valueOf(e.getMessage()), e);
        } finally {
            deadlines.done(slot);
        }
    }

    // ---- failure modes ---------------------------------------------------------------------------------------

    private void failed(Unavailable e) {
        failures.increment();
        lastFailure = e.getMessage();
        skipUntilNanos = System.nanoTime() + retryAfterFailureNanos;
        failing = true;
    }

    private Outcome degraded(Batch batch) {
        degradedDecisions.increment();
        List<Operation> ops = batch.operations();
        String why = "the limit store (Redis at " + description + ") is unavailable: " + lastFailure;
        switch (failureMode) {
            case FAIL_CLOSED -> {
                long now = localNow();
                Outcome outcome = new Outcome(now, ops.size());
                boolean live = false;
                for (int i = 0; i < ops.size(); i++) {
                    outcome.set(i, false, 0, now, Duration.ofNanos(retryAfterFailureNanos).toNanos() / 1_000);
                    live |= ops.get(i).limit().rule().mode() == Mode.LIVE;
                }
                outcome.committed(batch.commit() && !live);
                if (live) {
                    failClosedDenied.increment();
                }
                outcome.fault(why + "; denied (fail-closed)");
                return outcome;
            }
            case FAIL_OPEN -> {
                long now = localNow();
                Outcome outcome = new Outcome(now, ops.size());
                for (int i = 0; i < ops.size(); i++) {
                    outcome.set(i, true, ops.get(i).limit().limit(), now, 0);
                }
                outcome.committed(batch.commit());
                if (batch.commit()) {
                    failOpenAllowed.increment();
                    if (uncountedReservations.size() < MAX_TRACKED) {
                        uncountedReservations.add(batch.reservationId());
                    }
                }
                outcome.fault(why + "; allowed without counting (fail-open)");
                return outcome;
            }
            default -> {
                List<Operation> scaled = new ArrayList<>(ops.size());
                for (Operation op : ops) {
                    scaled.add(new Operation(localLimit(op.limit()), op.entity(), op.amount()));
                }
                Outcome outcome = local.apply(new Batch(scaled, batch.commit(), batch.reservationId()));
                if (outcome.committed() && batch.commit() && localReservations.size() < MAX_TRACKED) {
                    localReservations.add(batch.reservationId());
                }
                outcome.fault(why + "; decided by this instance's local fallback with " + Math.round(localShare * 100)
                        + "% of each limit");
                return outcome;
            }
        }
    }

    private List<Correction> localCorrections(List<Correction> corrections) {
        List<Correction> scaled = new ArrayList<>(corrections.size());
        for (Correction c : corrections) {
            scaled.add(new Correction(localLimit(c.limit()), c.entity(), c.estimated(), c.actual()));
        }
        return scaled;
    }

    // This instance's share of a limit: the limit (and a bucket's refill rate) times the share, at least 1.
    private Limit localLimit(Limit limit) {
        if (localShare >= 1.0) {
            return limit;
        }
        return localLimits.computeIfAbsent(limit, l -> {
            Rule rule = l.rule();
            long scaled = Math.max(1, (long) Math.floor(rule.limit() * localShare));
            if (rule.algorithm() == Algorithm.TOKEN_BUCKET) {
                long refill = Math.max(1, (long) Math.floor(rule.refillAmount() * localShare));
                return Limit.of(Rule.tokenBucket(rule.name()).meter(rule.meter()).scope(rule.scope()).mode(rule.mode())
                        .capacity(scaled).refill(refill, rule.refillInterval()).build());
            }
            return Limit.of(rule.withLimit(scaled));
        });
    }

    private long localNow() {
        return CalendarPeriods.toMicros((clock != null ? clock : Clock.systemUTC()).instant());
    }

    // ---- keys, slots and time ---------------------------------------------------------------------------------

    private RuleArgs ruleArgs(Limit limit) {
        RuleArgs r = ruleArgs.get(limit);
        return r != null ? r : ruleArgs.computeIfAbsent(limit, RuleArgs::of);
    }

    /**
     * A rule's apply.lua argument, rendered once: its name (its state name; a concurrency rule's is replaced by each
     * call's lease id) and its numbers for an amount of 1 on the first key (algorithm, live, amount, limit, p1 ..
     * p5, key index); the store writes a copy where a call differs.
     */
    private record RuleArgs(byte[] name, byte[] arg) {

        static RuleArgs of(Limit limit) {
            long[] p = new long[5];
            switch (limit.algorithm()) {
                case TOKEN_BUCKET -> {
                    long whole = limit.costWhole(1);
                    boolean clamped = whole > limit.toleranceWhole();
                    p[0] = clamped ? limit.toleranceWhole() + 1 : whole;
                    p[1] = clamped ? 0 : limit.costFraction(1);
                    p[2] = limit.toleranceWhole();
                    p[3] = limit.toleranceFraction();
                    p[4] = limit.refillAmount();
                }
                case FIXED_WINDOW -> p[0] = limit.windowMicros();
                case SLIDING_WINDOW -> {
                    p[0] = limit.windowMicros();
                    p[1] = limit.windowMillis();
                }
                case CONCURRENCY -> p[0] = limit.leaseMicros();
                default -> {
                }
            }
            byte[] name = Keys.field(limit).getBytes(StandardCharsets.UTF_8);
            return new RuleArgs(name, withName(name, doubles(Keys.code(limit.algorithm()),
                    limit.rule().mode() == Mode.LIVE ? 1 : 0, 1, limit.limit(), p[0], p[1], p[2], p[3], p[4], 1), -1));
        }

        int nameLength() {
            return name.length;
        }
    }

    // Longs (each below 2^53 in magnitude, so exact) as little-endian doubles, for struct.unpack('<d...').
    private static byte[] doubles(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    // Indices of the operations, grouped by the Redis node's slot that holds them, in scope order of first
    // appearance. Standalone and Sentinel have no slots: one group, one script.
    private List<int[]> groupOperations(List<Operation> ops) {
        int n = ops.size();
        List<int[]> groups = new ArrayList<>(1);
        if (n == 0) {
            return groups;
        }
        if (!cluster) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            groups.add(all);
            return groups;
        }
        int[] slots = new int[n];
        for (int i = 0; i < n; i++) {
            Operation op = ops.get(i);
            slots[i] = SlotHash.getSlot(Keys.entityKey(prefix, op.limit().scope(), op.entity()));
        }
        boolean[] taken = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (taken[i]) {
                continue;
            }
            int count = 0;
            for (int j = i; j < n; j++) {
                if (!taken[j] && slots[j] == slots[i]) {
                    count++;
                }
            }
            int[] group = new int[count];
            int at = 0;
            for (int j = i; j < n; j++) {
                if (!taken[j] && slots[j] == slots[i]) {
                    taken[j] = true;
                    group[at++] = j;
                }
            }
            groups.add(group);
        }
        return groups;
    }

    private List<List<Correction>> groupCorrections(List<Correction> corrections) {
        List<List<Correction>> groups = new ArrayList<>(1);
        if (!cluster) {
            groups.add(corrections);
            return groups;
        }
        Map<Integer, List<Correction>> bySlot = new java.util.LinkedHashMap<>();
        for (Correction c : corrections) {
            int slot = SlotHash.getSlot(Keys.entityKey(prefix, c.limit().scope(), c.entity()));
            bySlot.computeIfAbsent(slot, s -> new ArrayList<>()).add(c);
        }
        groups.addAll(bySlot.values());
        return groups;
    }

    private long guessServerMicros() {
        long offset = serverOffsetMicros;
        if (offset == NO_SERVER_TIME) {
            return CalendarPeriods.toMicros(java.time.Instant.now());
        }
        return System.nanoTime() / 1_000 + offset;
    }

    private void noteServerTime(long micros) {
        if (clock == null) {
            serverOffsetMicros = micros - System.nanoTime() / 1_000;
        }
    }

    private static long clamp(long value, long bound) {
        return Math.max(-bound, Math.min(bound, value));
    }

    /** Redis did not answer in time or at all. */
    private static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * Counters since the store started.
     *
     * @param decisions calls to {@link #apply}
     * @param redisCalls scripts sent to Redis ({@code EVALSHA}, plus {@code EVAL} after a {@code NOSCRIPT})
     * @param failures calls that Redis did not answer in time, or at all
     * @param degradedDecisions decisions made by the failure mode instead of Redis
     * @param failOpenAllowed reservations allowed uncounted by {@link FailureMode#FAIL_OPEN}
     * @param failClosedDenied decisions denied by {@link FailureMode#FAIL_CLOSED}
     * @param scriptReloads {@code NOSCRIPT} replies answered by sending the script again
     * @param crossSlotRefunds slot groups refunded because a later group denied (cluster only)
     * @param lostAdjustments settles or releases that could not reach Redis; those reservations keep their estimate
     * @param lastFailure the last failure's message, or empty
     */
    public record Stats(long decisions, long redisCalls, long failures, long degradedDecisions, long failOpenAllowed,
                        long failClosedDenied, long scriptReloads, long crossSlotRefunds, long lostAdjustments,
                        String lastFailure) {
    }

    /** Configures a {@link RedisStore}. Every setting has a default that is safe for money: fail closed. */
    public static final class Builder {

        private final List<String> uris;
        private boolean cluster;
        private String prefix = "tg";
        private Clock clock;
        private Duration testClockTtlSlack = Duration.ofHours(1);
        private Duration timeout = Duration.ofMillis(500);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration retryAfterFailure = Duration.ofMillis(250);
        private FailureMode failureMode = FailureMode.FAIL_CLOSED;
        private double localShare = 1.0;

        private Builder(List<String> uris) {
            this.uris = uris;
        }

        /** Treats the URI(s) as nodes of a Redis Cluster (implied when more than one URI is given). */
        public Builder cluster(boolean value) {
            this.cluster = value;
            return this;
        }

        /** The first part of every key; {@code tg} unless set. Lets several deployments share one Redis. */
        public Builder keyPrefix(String value) {
            if (value == null || value.isEmpty() || value.contains("{") || value.contains("}")) {
                throw new IllegalArgumentException("redis.key-prefix must be non-empty without braces, got " + value);
            }
            this.prefix = value;
            return this;
        }

        /**
         * For tests only: take time from this clock (passed to each script) instead of the server's {@code TIME}.
         * Keys then live an extra {@code ttlSlack} of real time, since the clock and real time need not agree.
         */
        public Builder clock(Clock value, Duration ttlSlack) {
            this.clock = Objects.requireNonNull(value, "clock");
            this.testClockTtlSlack = positive(ttlSlack, "redis.test-clock-ttl-slack");
            return this;
        }

        /** For tests only: {@link #clock(Clock, Duration)} with one hour of slack. */
        public Builder clock(Clock value) {
            return clock(value, Duration.ofHours(1));
        }

        /** The longest a decision waits for Redis before its failure mode decides; 500 ms unless set. */
        public Builder timeout(Duration value) {
            this.timeout = positive(value, "redis.timeout");
            return this;
        }

        /** The longest a connection attempt takes; 2 s unless set. */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = positive(value, "redis.connect-timeout");
            return this;
        }

        /** After a failure, how long calls go straight to the failure mode before one tries Redis again; 250 ms. */
        public Builder retryAfterFailure(Duration value) {
            this.retryAfterFailure = positive(value, "redis.retry-after-failure");
            return this;
        }

        /** What to decide while Redis cannot answer; {@link FailureMode#FAIL_CLOSED} unless set. */
        public Builder failureMode(FailureMode value) {
            this.failureMode = Objects.requireNonNull(value, "failure-mode");
            return this;
        }

        /**
         * {@link FailureMode#LOCAL_FALLBACK}: the share of each limit this instance may grant on its own, in (0, 1].
         * With N instances behind a load balancer, 1/N keeps the total near the limit.
         */
        public Builder localShare(double value) {
            if (!(value > 0 && value <= 1)) {
                throw new IllegalArgumentException("redis.local-share must be in (0, 1], got " + value);
            }
            this.localShare = value;
            return this;
        }

        /**
         * Builds the store and connects. If Redis cannot be reached, the store still starts, decides by its failure
         * mode, and connects as soon as Redis answers. Scripts are loaded on first use, and again whenever Redis lost
         * them.
         */
        public RedisStore build() {
            return new RedisStore(this);
        }

        private static Duration positive(Duration value, String field) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(field + " must be > 0, got " + value);
            }
            return value;
        }
    }
}
