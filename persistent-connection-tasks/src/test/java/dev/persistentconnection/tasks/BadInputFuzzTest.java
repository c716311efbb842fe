package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input against a live server: random bytes, truncated frames, oversized lengths, unknown kinds, unknown task
 * codes, tasks before the handshake. The server answers with an error or drops only that client, and a
 * well-behaved client on another connection keeps being served throughout. Seeded; the seed is in every failure
 * message (set -Dfuzz.seed=... to replay).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BadInputFuzzTest extends TestSupport {
    private static final int MAX_FRAME = 64 * 1024;
    private static final int CASES = 3000;
    private static final Duration BUDGET = Duration.ofSeconds(30);
    private final long seed = Long.getLong("fuzz.seed", System.nanoTime());

    @Test
    void liveServerSurvivesBadInputAndKeepsServingAGoodClient() throws Exception {
        TaskServer server = start(serverBuilder()
                .maxFrameSize(MAX_FRAME)
                .readTimeout(Duration.ofMillis(300))
                // Every case is a new connection from 127.0.0.1, about 250 a second on a 2-core machine and more
                // on a faster one: over the default accept rate (maxClientsPerAddress a second), which would reset
                // cases before they start. That limit has its own tests (AcceptLimiterTest).
                .maxAcceptRatePerAddress(Integer.MAX_VALUE)
                .build());
        server.register(1, TaskHandler.of(p -> p), "echo");
        TaskClient good = connect(server);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger served = new AtomicInteger();
        AtomicReference<Throwable> goodFailure = new AtomicReference<>();
        Thread goodLoop = new Thread(
                () -> {
                    int i = 0;
                    while (!stop.get() && goodFailure.get() == null) {
                        byte[] payload = utf8("good-" + i++);
                        try {
                            byte[] answer = good.submit(1, payload).get(10, TimeUnit.SECONDS);
                            if (!utf8(answer).equals(utf8(payload))) {
                                throw new AssertionError("wrong answer " + utf8(answer));
                            }
                            served.incrementAndGet();
                        } catch (Throwable e) {
                            goodFailure.set(e);
                        }
                    }
                },
                "good-client");
        goodLoop.start();
        closeLater(() -> {
            stop.set(true);
            goodLoop.join(10_000);
        });

        Random random = new Random(seed);
        long deadline = System.nanoTime() + BUDGET.toNanos();
        int cases = 0;
        int answeredWithError = 0;
        try {
            for (; cases < CASES && System.nanoTime() < deadline; cases++) {
                if (runCase(server, random, cases)) {
                    answeredWithError++;
                }
                if (goodFailure.get() != null) {
                    break;
                }
            }
        } catch (Throwable e) {
            // The cause in the message too: a build summary shows only the message.
            throw new AssertionError(
                    "fuzz case " + cases + " (kind " + cases % 10 + ") failed, seed " + seed + ": " + e, e);
        }
        stop.set(true);
        goodLoop.join(10_000);
        System.out.printf(
                "bad-input fuzz: %d cases (%d answered with ERROR), %d good tasks served, seed %d%n",
                cases, answeredWithError, served.get(), seed);
        assertThat(goodFailure.get()).as("good client failure, seed %d", seed).isNull();
        assertThat(cases).as("cases run within %s, seed %d", BUDGET, seed).isGreaterThanOrEqualTo(1000);
        assertThat(answeredWithError).as("seed %d", seed).isPositive();
        assertThat(served.get()).as("seed %d", seed).isPositive();
        assertThat(result(good.submit(1, utf8("still here")))).asString().isEqualTo("still here");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.numClients() == 1);
        assertThat(server.clients().get(0).closeReason()).isEmpty();
    }

    /** Runs one case; true if the server answered it with an ERROR frame. */
    private boolean runCase(TaskServer server, Random random, int index) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server.localAddress(), 5000);
            socket.setSoTimeout(5000);
            socket.setSoLinger(true, 0);
            OutputStream out = socket.getOutputStream();
            int kind = index % 10;
            switch (kind) {
                case 0 -> { // random bytes, no handshake
                    out.write(randomBytes(random, 1 + random.nextInt(64)));
                    expectClosed(socket, random);
                }
                case 1 -> { // a task before the handshake: refused as bad magic
                    out.write(taskFrame(1, 1, randomBytes(random, random.nextInt(16))));
                    byte[] reply = socket.getInputStream().readAllBytes();
                    assertThat(reply.length).isGreaterThanOrEqualTo(5);
                    assertThat(reply[4]).isEqualTo((byte) Handshake.BAD_MAGIC);
                }
                case 2 -> { // bad version (0; any higher one is negotiated down) or byte order
                    byte[] hello = hello(Handshake.VERSION);
                    if (random.nextBoolean()) {
                        hello[4] = 0;
                    } else {
                        hello[5] = (byte) random.nextInt(256);
                        if (hello[5] == 'B' || hello[5] == 'L') {
                            hello[5] = 'X';
                        }
                    }
                    out.write(hello);
                    byte[] reply = socket.getInputStream().readAllBytes();
                    assertThat(reply.length).isGreaterThanOrEqualTo(5);
                    assertThat(reply[4]).isIn((byte) Handshake.UNSUPPORTED_VERSION, (byte) Handshake.BAD_BYTE_ORDER);
                }
                case 3 -> { // handshake, then random bytes
                    handshake(socket);
                    out.write(randomBytes(random, 1 + random.nextInt(256)));
                    if (random.nextBoolean()) {
                        expectClosed(socket, random);
                    }
                }
                case 4 -> { // oversized length: closed on the prefix alone, nothing else sent
                    handshake(socket);
                    long claimed = MAX_FRAME + 1L + (long) (random.nextDouble() * (0xFFFFFFFFL - MAX_FRAME - 1));
                    out.write(ByteBuffer.allocate(4).putInt((int) claimed).array());
                    assertThat(readsUntilClosed(socket)).isTrue();
                }
                case 5 -> { // unknown frame kind
                    handshake(socket);
                    int k;
                    do {
                        k = random.nextInt(256);
                    } while (k == Frame.TASK
                            || k == Frame.CANCEL
                            || k == Frame.GOODBYE
                            || k == Frame.PING
                            || k == Frame.PONG);
                    byte[] body = randomBytes(random, random.nextInt(32));
                    out.write(ByteBuffer.allocate(5 + body.length)
                            .putInt(1 + body.length)
                            .put((byte) k)
                            .put(body)
                            .array());
                    assertThat(readsUntilClosed(socket)).isTrue();
                }
                case 6 -> { // unknown task code: an ERROR frame, and the connection stays usable
                    handshake(socket);
                    int code = 2 + random.nextInt(0xFFFF - 1);
                    out.write(taskFrame(7, code, randomBytes(random, random.nextInt(32))));
                    Frame.Error error = readError(socket.getInputStream());
                    assertThat(error.taskId()).isEqualTo(7);
                    assertThat(error.errorCode()).isEqualTo(TaskException.UNKNOWN_TASK_CODE);
                    out.write(taskFrame(8, 1, utf8("x")));
                    return true;
                }
                case 7 -> { // truncated frame, then the client goes away or stalls past the read timeout
                    handshake(socket);
                    byte[] full = taskFrame(3, 1, randomBytes(random, 1 + random.nextInt(100)));
                    out.write(full, 0, 1 + random.nextInt(full.length - 1));
                    if (index % 100 == 7) {
                        assertThat(readsUntilClosed(socket)).isTrue(); // read timeout
                    }
                }
                case 8 -> { // known kinds with bodies of the wrong size
                    handshake(socket);
                    byte k = random.nextBoolean() ? Frame.CANCEL : random.nextBoolean() ? Frame.PING : Frame.TASK;
                    int size = k == Frame.CANCEL
                            ? pickOtherThan(random, 4)
                            : k == Frame.PING ? 1 + random.nextInt(8) : random.nextInt(6);
                    out.write(ByteBuffer.allocate(5 + size)
                            .putInt(1 + size)
                            .put(k)
                            .put(randomBytes(random, size))
                            .array());
                    assertThat(readsUntilClosed(socket)).isTrue();
                }
                default -> { // valid task, then a zero length or a server-to-client frame
                    handshake(socket);
                    out.write(taskFrame(1, 1, utf8("ok")));
                    out.write(
                            random.nextBoolean()
                                    ? new byte[] {0, 0, 0, 0}
                                    : ByteBuffer.allocate(10)
                                            .putInt(6)
                                            .put(Frame.OK)
                                            .putInt(1)
                                            .put((byte) 1)
                                            .array());
                    assertThat(readsUntilClosed(socket)).isTrue();
                }
            }
        }
        return false;
    }

    private static void expectClosed(Socket socket, Random random) {
        if (random.nextInt(4) == 0) {
            assertThat(readsUntilClosed(socket)).isTrue();
        }
    }

    private static int pickOtherThan(Random random, int excluded) {
        int n;
        do {
            n = random.nextInt(9);
        } while (n == excluded);
        return n;
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static Frame.Error readError(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        while (true) {
            int length = data.readInt();
            byte[] body = new byte[length];
            data.readFully(body);
            ByteBuffer b = ByteBuffer.wrap(body);
            byte kind = b.get();
            if (kind == Frame.ERROR) {
                int id = b.getInt();
                int code = b.get() & 0xFF;
                return new Frame.Error(id, code, new String(body, 6, body.length - 6));
            }
            // skip PINGs
        }
    }

    /** The decoder alone, on random input: only protocol errors come out, and no claimed length is allocated. */
    @Test
    void decoderOnlyEverRaisesProtocolErrors() {
        Random random = new Random(seed);
        for (int i = 0; i < 5000; i++) {
            boolean server = random.nextBoolean();
            EmbeddedChannel channel =
                    new EmbeddedChannel(new FrameDecoder(random.nextBoolean(), 1024, server, Duration.ZERO));
            try {
                ByteArrayOutputStream input = new ByteArrayOutputStream();
                int pieces = 1 + random.nextInt(4);
                for (int p = 0; p < pieces; p++) {
                    byte[] piece = new byte[random.nextInt(64)];
                    random.nextBytes(piece);
                    if (random.nextInt(3) == 0 && piece.length >= 5) {
                        int len = random.nextInt(12);
                        ByteBuffer.wrap(piece).putInt(len).put((byte)
                                (random.nextBoolean() ? 1 + random.nextInt(5) : 0x10 + random.nextInt(2)));
                    }
                    input.writeBytes(piece);
                    channel.writeInbound(Unpooled.wrappedBuffer(piece));
                    Object decoded;
                    while ((decoded = channel.readInbound()) != null) {
                        assertThat(decoded).isInstanceOf(Frame.class);
                    }
                }
            } catch (io.netty.handler.codec.DecoderException e) {
                assertThat(e).as("case %d, seed %d", i, seed).isInstanceOf(ProtocolException.class);
            } finally {
                channel.finishAndReleaseAll();
            }
        }
        // A claimed 4 GiB frame fails on its prefix, before any body byte arrives.
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(false, 1024, true, Duration.ZERO));
        try {
            channel.writeInbound(
                    Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0}));
            throw new AssertionError("oversized length accepted");
        } catch (ProtocolException expected) {
            assertThat(expected).hasMessageContaining("outside 1..1024");
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
