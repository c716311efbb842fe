package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.EOFException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server's graceful disconnection loses no answer: every answer is written before the connection ends, and the end
 * is a FIN, never a reset, even when tasks the client wrote before it read GOODBYE are still unread at the server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GracefulDisconnectTest extends TestSupport {
    static final int ECHO = 1;
    static final int BIG = 2;

    @Test
    void everyTaskTheServerRanIsAnsweredWhenGoodbyeCrossesABurst() throws Exception {
        Set<Integer> executed = ConcurrentHashMap.newKeySet();
        TaskServer server = start(serverBuilder()
                .build()
                .register(
                        ECHO,
                        request -> {
                            int id = ByteBuffer.wrap(request.payload()).getInt();
                            executed.add(id);
                            return context -> {
                                Thread.sleep(id % 3);
                                context.write(request.payload());
                            };
                        },
                        "echo"));
        Random random = new Random(16);
        int next = 0;
        List<String> problems = new ArrayList<>();
        for (int round = 0; round < 40; round++) {
            TaskClient client = connect(server);
            Map<Integer, CompletableFuture<byte[]>> sent = new ConcurrentHashMap<>();
            int goodbyeAfter = random.nextInt(60);
            for (int i = 0; i < 100; i++) {
                if (i == goodbyeAfter) {
                    server.clients().forEach(c -> c.disconnect(Duration.ofSeconds(10)));
                }
                int id = next++;
                sent.put(
                        id,
                        client.submit(ECHO, ByteBuffer.allocate(4).putInt(id).array()));
            }
            for (Map.Entry<Integer, CompletableFuture<byte[]>> e : sent.entrySet()) {
                int id = e.getKey();
                try {
                    byte[] answer = e.getValue().get(20, TimeUnit.SECONDS);
                    if (ByteBuffer.wrap(answer).getInt() != id || !executed.contains(id)) {
                        problems.add("task " + id + ": wrong answer or answered without running");
                    }
                } catch (ExecutionException failed) {
                    if (!(failed.getCause() instanceof ConnectionLostException)) {
                        problems.add("task " + id + ": " + failed.getCause());
                    } else if (executed.contains(id)) {
                        problems.add("task " + id + " ran on the server but was reported lost (round " + round
                                + ", GOODBYE after " + goodbyeAfter + "): "
                                + failed.getCause().getMessage());
                    }
                }
            }
            client.closeFinished().get(20, TimeUnit.SECONDS);
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void everyAnswerIsWrittenBeforeTheConnectionEnds() throws Exception {
        // One chunk, handed over at once (the client accepts 16 MiB frames), larger than any socket buffer
        // (tcp_wmem's maximum is 4 MiB): when the task ends, most of its answer still waits in the server.
        int size = 8 << 20;
        AtomicBoolean ran = new AtomicBoolean();
        TaskServer server = start(serverBuilder()
                .build()
                .register(
                        BIG,
                        request -> context -> {
                            context.write(new byte[size]);
                            ran.set(true);
                        },
                        "big"));
        Socket socket = closeLater(new Socket());
        socket.setReceiveBufferSize(4096); // a client that reads slowly: most of the answer waits at the server
        socket.connect(server.localAddress(), 5000);
        socket.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        socket.getOutputStream()
                .write(ByteBuffer.allocate(Handshake.HELLO_SIZE)
                        .putInt(Handshake.MAGIC)
                        .put((byte) Handshake.VERSION)
                        .put(Handshake.BIG_ENDIAN)
                        .putInt(16 << 20)
                        .array());
        in.readFully(new byte[Handshake.ACCEPT_SIZE]);
        socket.getOutputStream().write(taskFrame(7, BIG, new byte[0]));
        await().until(() ->
                ran.get() && server.clients().stream().allMatch(c -> c.tasks().isEmpty()));
        server.clients().forEach(c -> c.disconnect(Duration.ofSeconds(10)));

        long answered = 0;
        boolean end = false;
        boolean goodbye = false;
        while (true) {
            byte[] frame;
            try {
                frame = new byte[in.readInt()];
                in.readFully(frame);
            } catch (EOFException e) {
                break; // the end of the stream, possibly inside a frame: then the answer is short
            }
            if (frame[0] == Frame.OK) {
                assertThat(ByteBuffer.wrap(frame, 1, 4).getInt()).isEqualTo(7);
                answered += frame.length - 6;
                end |= (frame[5] & Frame.FLAG_END) != 0;
            } else if (frame[0] == Frame.GOODBYE) {
                goodbye = true;
            }
        }
        assertThat(answered).isEqualTo(size);
        assertThat(end).isTrue();
        assertThat(goodbye).isTrue();
        await().until(() -> server.numClients() == 0);
    }
}
