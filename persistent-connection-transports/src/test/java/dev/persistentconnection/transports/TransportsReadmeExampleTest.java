package dev.persistentconnection.transports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's transports example, as written except for the peer's port. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TransportsReadmeExampleTest {

    @Test
    void theReadmeExampleRuns() throws Exception {
        List<String> readings = new CopyOnWriteArrayList<>();
        try (PlainTcpPeer peer = new PlainTcpPeer()) {
            int port = peer.address().getPort();
            // --- as in the README (9100 there)
            TcpConnector connector = TcpConnector.builder((session, message) -> readings.add(message.text()))
                    .framing(Framing.line())
                    .idleTimeout(Duration.ofSeconds(30))
                    .build();
            PersistentConnection<InetSocketAddress, TcpSession> telemetry = PersistentConnection.builder(
                            "telemetry",
                            AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", port)),
                            connector,
                            MessageSession.<TcpSession>lifecycle())
                    .build();
            telemetry.connected().join().send("subscribe cpu");
            // ---
            try {
                Socket socket = peer.next();
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                assertThat(in.readLine()).isEqualTo("subscribe cpu");
                socket.getOutputStream().write("cpu 0.42\n".getBytes(StandardCharsets.UTF_8));
                await().untilAsserted(() -> assertThat(readings).containsExactly("cpu 0.42"));
            } finally {
                telemetry.close();
                connector.close();
            }
        }
    }
}
