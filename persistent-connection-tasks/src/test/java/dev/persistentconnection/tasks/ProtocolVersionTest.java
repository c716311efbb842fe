package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Protocol version 2 (PROTOCOL.md, "Version 2: task metadata"): every pair of a version-1 or version-2 client and
 * server talks, metadata reaches the handler only when both speak version 2, and metadata over its limit closes
 * only the client that sent it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolVersionTest extends TestSupport {

    @ParameterizedTest(name = "client v{0}, server v{1}")
    @CsvSource({"1, 1", "1, 2", "2, 1", "2, 2"})
    void everyPairTalksAndMetadataTravelsOnlyOnVersion2(int clientVersion, int serverVersion) throws Exception {
        CopyOnWriteArrayList<Map<String, String>> seen = new CopyOnWriteArrayList<>();
        TaskServer server =
                start(serverBuilder().maxProtocolVersion(serverVersion).build());
        server.register(
                1,
                request -> {
                    seen.add(request.metadata());
                    return context -> context.write(request.payload());
                },
                "echo");
        TaskClient client =
                connect(server, clientOptions().protocolVersion(clientVersion).build());
        int negotiated = Math.min(clientVersion, serverVersion);
        assertThat(client.protocolVersion()).isEqualTo(negotiated);
        assertThat(server.clients())
                .singleElement()
                .satisfies(c -> assertThat(c.protocolVersion()).isEqualTo(negotiated));
        Map<String, String> metadata = Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(utf8(result(client.submit(1, utf8("hi"), java.time.Duration.ofSeconds(20), metadata))))
                .isEqualTo("hi");
        assertThat(utf8(result(client.submit(1, utf8("plain"))))).isEqualTo("plain");
        assertThat(seen.get(0)).isEqualTo(negotiated >= 2 ? metadata : Map.of());
        assertThat(seen.get(1)).isEmpty();
    }

    @Test
    void streamedAnswersCarryMetadataToo() throws Exception {
        CopyOnWriteArrayList<Map<String, String>> seen = new CopyOnWriteArrayList<>();
        TaskServer server = start(serverBuilder().build());
        server.register(
                1,
                request -> {
                    seen.add(request.metadata());
                    return context -> context.write(utf8("chunk"));
                },
                "stream");
        TaskClient client = connect(server);
        CopyOnWriteArrayList<String> chunks = new CopyOnWriteArrayList<>();
        result(client.submitStreaming(
                1, new byte[0], chunk -> chunks.add(utf8(chunk)), java.time.Duration.ofSeconds(20), Map.of("k", "v")));
        assertThat(chunks).containsExactly("chunk");
        assertThat(seen).containsExactly(Map.of("k", "v"));
    }

    @Test
    void theClientRefusesMetadataOverTheLimit() throws Exception {
        TaskServer server = start(serverBuilder().build());
        server.register(1, TaskHandler.of(p -> p), "echo");
        TaskClient client = connect(server);
        Map<String, String> big = Map.of("big", "x".repeat(TaskMetadata.MAX_SIZE));
        assertThatThrownBy(() -> result(client.submit(1, new byte[0], java.time.Duration.ofSeconds(20), big)))
                .cause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceeds the limit");
        assertThat(utf8(result(client.submit(1, utf8("still here"))))).isEqualTo("still here");
    }

    @Test
    void metadataOverTheLimitClosesOnlyThatClient() throws Exception {
        TaskServer server = start(serverBuilder().build());
        server.register(1, TaskHandler.of(p -> p), "echo");
        TaskClient bystander = connect(server);
        Socket socket = rawSocket(server.localAddress());
        handshake(socket, 2);
        int metadataSize = TaskMetadata.MAX_SIZE + 1;
        ByteBuffer frame = ByteBuffer.allocate(4 + 9 + metadataSize);
        frame.putInt(9 + metadataSize)
                .put(Frame.TASK_META)
                .putInt(1)
                .putShort((short) 1)
                .putShort((short) metadataSize)
                .put(new byte[metadataSize]);
        OutputStream out = socket.getOutputStream();
        out.write(frame.array());
        out.flush();
        assertThat(readsUntilClosed(socket)).isTrue();
        assertThat(utf8(result(bystander.submit(1, utf8("unaffected"))))).isEqualTo("unaffected");
    }

    @Test
    void metadataOnAVersion1ConnectionIsAProtocolError() throws Exception {
        TaskServer server = start(serverBuilder().build());
        server.register(1, TaskHandler.of(p -> p), "echo");
        Socket socket = rawSocket(server.localAddress());
        handshake(socket, 1);
        byte[] entry = {1, 'k', 0, 1, 'v'};
        ByteBuffer frame = ByteBuffer.allocate(4 + 9 + entry.length);
        frame.putInt(9 + entry.length)
                .put(Frame.TASK_META)
                .putInt(1)
                .putShort((short) 1)
                .putShort((short) entry.length)
                .put(entry);
        socket.getOutputStream().write(frame.array());
        socket.getOutputStream().flush();
        assertThat(readsUntilClosed(socket)).isTrue();
    }

    @Test
    void aVersion2ServerAnswersAHelloWithTheLowerVersion() throws Exception {
        TaskServer server = start(serverBuilder().build());
        Socket socket = rawSocket(server.localAddress());
        socket.getOutputStream().write(hello(7));
        socket.getOutputStream().flush();
        byte[] reply = new byte[Handshake.ACCEPT_SIZE];
        new DataInputStream(socket.getInputStream()).readFully(reply);
        assertThat(reply[4]).isEqualTo((byte) Handshake.ACCEPTED);
        assertThat(reply[5]).isEqualTo((byte) 2);
    }

    /** Sends a hello of {@code version} and reads an accepting reply of that version. */
    static void handshake(Socket socket, int version) throws Exception {
        socket.getOutputStream().write(hello(version));
        socket.getOutputStream().flush();
        byte[] reply = new byte[Handshake.ACCEPT_SIZE];
        new DataInputStream(socket.getInputStream()).readFully(reply);
        assertThat(reply[4]).isEqualTo((byte) Handshake.ACCEPTED);
        assertThat(reply[5]).isEqualTo((byte) version);
    }
}
