package dev.tollgate.redis;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How the store talks to Redis: the Lua scripts, and the codec and reply decoding of the commands that run them.
 *
 * <p>Keys are text; script arguments are bytes, each operation one argument of packed little-endian doubles; the
 * scripts answer with one string of packed doubles. All of it is written straight into Netty's buffer and read
 * straight out of it: Lettuce's composed codecs and {@code evalsha(String, ...)} would copy every key, argument and
 * reply through a {@code ByteBuffer} or {@code byte[]} of its own first (about 0.5 KB per decision that the client
 * then collects).
 */
final class Scripts {

    /** Keys as UTF-8 text, values as bytes, both encoded in place into the command's buffer. */
    static final Codec CODEC = new Codec();

    // Both scripts start with the prelude: time, number rules, the string layout and its expiry, written once.
    private static final String PRELUDE = resource("prelude.lua");
    static final Scripts APPLY = new Scripts(PRELUDE + resource("apply.lua"));
    static final Scripts ADJUST = new Scripts(PRELUDE + resource("adjust.lua"));

    private final byte[] body;
    private final byte[] sha;

    private Scripts(String body) {
        this.body = body.getBytes(StandardCharsets.UTF_8);
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(this.body))
                    .getBytes(StandardCharsets.US_ASCII);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code EVALSHA} of this script, by its digest. */
    CommandArgs<String, byte[]> evalsha(String[] keys, byte[][] args) {
        return args(sha, keys, args);
    }

    /** {@code EVAL} of this script, its body in full: after a {@code NOSCRIPT}, which caches it again. */
    CommandArgs<String, byte[]> eval(String[] keys, byte[][] args) {
        return args(body, keys, args);
    }

    private static CommandArgs<String, byte[]> args(byte[] script, String[] keys, byte[][] args) {
        return new CommandArgs<>(CODEC).add(script).add(keys.length).addKeys(keys).addValues(args);
    }

    /** A script's answer, packed little-endian doubles (each an integer below 2^53), read as longs. */
    static CommandOutput<String, byte[], long[]> reply() {
        return new CommandOutput<>(CODEC, null) {
            @Override
            public void set(ByteBuffer bytes) {
                if (bytes == null) {
                    return;
                }
                long[] r = new long[bytes.remaining() / 8];
                for (int i = 0, at = bytes.position(); i < r.length; i++, at += 8) {
                    r[i] = (long) Double.longBitsToDouble(Long.reverseBytes(bytes.getLong(at)));
                }
                output = r;
            }
        };
    }

    private static String resource(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read script " + name, e);
        }
    }

    /**
     * String keys and byte[] values, with exact sizes, so that Lettuce writes each one directly into the outgoing
     * buffer. The {@code ByteBuffer} methods remain for what needs a key alone (cluster slot routing).
     */
    static final class Codec implements RedisCodec<String, byte[]>, ToByteBufEncoder<String, byte[]> {

        private Codec() {
        }

        @Override
        public String decodeKey(ByteBuffer bytes) {
            return StringCodec.UTF8.decodeKey(bytes);
        }

        @Override
        public byte[] decodeValue(ByteBuffer bytes) {
            return ByteArrayCodec.INSTANCE.decodeValue(bytes);
        }

        @Override
        public ByteBuffer encodeKey(String key) {
            return StringCodec.UTF8.encodeKey(key);
        }

        @Override
        public ByteBuffer encodeValue(byte[] value) {
            return ByteArrayCodec.INSTANCE.encodeValue(value);
        }

        @Override
        public void encodeKey(String key, ByteBuf target) {
            ByteBufUtil.writeUtf8(target, key);
        }

        @Override
        public void encodeValue(byte[] value, ByteBuf target) {
            target.writeBytes(value);
        }

        @Override
        public int estimateSize(Object keyOrValue) {
            return keyOrValue instanceof byte[] bytes ? bytes.length : ByteBufUtil.utf8Bytes((CharSequence) keyOrValue);
        }

        @Override
        public boolean isEstimateExact() {
            return true;
        }
    }
}
