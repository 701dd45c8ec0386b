package dev.tollgate.gateway.internal;

import dev.tollgate.Subject;
import dev.tollgate.gateway.Config;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The client and service keys, held only as SHA-256 hashes. A presented key is hashed and looked up by its hash
 * (the hash is the index, so the lookup reveals nothing about the stored keys), then compared with
 * {@link MessageDigest#isEqual}, which takes the same time whatever the bytes. The keys themselves are never kept,
 * logged or forwarded.
 */
public final class Keys {

    /** What a presented key turned out to be. */
    public sealed interface Lookup {}

    /** A valid key: the subject it authenticates. */
    public record Valid(Subject subject, Config.KeyConfig key) implements Lookup {}

    /** A key that was configured but is revoked. */
    public record Revoked(String keyId) implements Lookup {}

    /** No key was presented. */
    public record Missing() implements Lookup {}

    /** A key that matches no configured key. */
    public record Unknown() implements Lookup {}

    private static final Missing MISSING = new Missing();
    private static final Unknown UNKNOWN = new Unknown();

    /**
     * Each client key's answer, worked out once: a key's {@link Subject} is the same object on every call, so the
     * engine finds the variant of the plan it last decided that subject with without looking it up again
     * (docs/benchmarks.md). Keyed by the hash's bytes ({@link ByteBuffer} compares content); never written after
     * construction, so reads need no lock.
     */
    private final Map<ByteBuffer, Known> clients = new HashMap<>();
    private final Map<ByteBuffer, byte[]> services = new HashMap<>();
    /** Each user's subject for the decision API, from the user's first live key in the configuration, built once. */
    private final Map<String, Subject> users = new HashMap<>();

    private record Known(byte[] sha256, Lookup answer) {}

    /** The keys of a configuration. */
    public Keys(List<Config.KeyConfig> clientKeys, List<byte[]> serviceKeyHashes) {
        for (Config.KeyConfig k : clientKeys) {
            clients.put(ByteBuffer.wrap(k.sha256()), new Known(k.sha256(), k.revoked() ? new Revoked(k.id())
                    : new Valid(subject(k).withKey(k.id()), k)));
            if (!k.revoked()) {
                users.putIfAbsent(k.user(), subject(k));
            }
        }
        for (byte[] h : serviceKeyHashes) {
            services.put(ByteBuffer.wrap(h), h);
        }
    }

    /**
     * A digest that is never used, only copied: {@link MessageDigest#getInstance} searches the security providers
     * on every call, which cost three times the hashing itself in the gateway's CPU profile; a clone skips that.
     */
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e); // every JDK has SHA-256
        }
    }

    /** The SHA-256 hash of a key's UTF-8 bytes. */
    public static byte[] sha256(String key) {
        MessageDigest digest;
        try {
            digest = (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
        }
        return digest.digest(key.getBytes(StandardCharsets.UTF_8));
    }

    /** Authenticates a client key (null when none was presented). */
    public Lookup client(String presented) {
        if (presented == null || presented.isBlank()) {
            return MISSING;
        }
        byte[] hash = sha256(presented.trim());
        Known known = clients.get(ByteBuffer.wrap(hash));
        if (known == null || !MessageDigest.isEqual(hash, known.sha256())) {
            return UNKNOWN;
        }
        return known.answer();
    }

    /** True if the presented key is a configured service key. */
    public boolean service(String presented) {
        if (presented == null || presented.isBlank()) {
            return false;
        }
        byte[] hash = sha256(presented.trim());
        byte[] stored = services.get(ByteBuffer.wrap(hash));
        return stored != null && MessageDigest.isEqual(hash, stored);
    }

    /** The key a request presents: {@code Authorization: Bearer ...} or {@code x-api-key}. */
    public static String presented(String authorization, String xApiKey) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        if (xApiKey != null && !xApiKey.isBlank()) {
            return xApiKey.trim();
        }
        return null;
    }

    /** The subject of a user's configured key, for the decision API; null if the user has no key. */
    public Subject subjectOf(String user) {
        return users.get(user);
    }

    /** A key's user, plan, team and org, without the key itself. */
    private static Subject subject(Config.KeyConfig k) {
        Subject s = Subject.user(k.user(), k.plan());
        if (k.team() != null) {
            s = s.inTeam(k.team());
        }
        if (k.org() != null) {
            s = s.inOrg(k.org());
        }
        return s;
    }
}
