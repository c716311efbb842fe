package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Connections accepted per second from one address: beyond the rate, reset at the accept. */
class AcceptLimiterTest extends TestSupport {
    static final long SECOND = 1_000_000_000L;

    @Test
    void eachAddressHasItsOwnRate() throws Exception {
        AcceptLimiter limiter = new AcceptLimiter(2, 0, c -> {});
        InetAddress one = InetAddress.getByName("127.0.0.2");
        InetAddress two = InetAddress.getByName("127.0.0.3");
        assertThat(limiter.admit(one, 0)).isTrue();
        assertThat(limiter.admit(one, 0)).isTrue();
        assertThat(limiter.admit(one, 0)).isFalse();
        assertThat(limiter.admit(two, 0)).isTrue();
        assertThat(limiter.admit(one, SECOND / 2)).isTrue(); // one more token each half second
        assertThat(limiter.admit(one, SECOND / 2)).isFalse();
    }

    @Test
    void addressesThatCameBackToTheirFullRateAreForgotten() throws Exception {
        AcceptLimiter limiter = new AcceptLimiter(10, 0, c -> {});
        for (int i = 0; i < 100; i++) {
            limiter.admit(InetAddress.getByAddress(new byte[] {127, 0, 1, (byte) i}), 0);
        }
        assertThat(limiter.addresses()).isEqualTo(100);
        limiter.admit(InetAddress.getByName("127.0.0.2"), 3 * SECOND); // a sweep: every other bucket is full again
        assertThat(limiter.addresses()).isEqualTo(1);
    }

    @Test
    void connectionsBeyondTheRateAreResetAtOnceAndOtherAddressesAreServed() throws Exception {
        // One a second: twenty connects in a row cannot all be within it, however slow the machine.
        java.util.Queue<TaskServerListener.Rejection> rejections = new java.util.concurrent.ConcurrentLinkedQueue<>();
        TaskServer server = start(serverBuilder()
                .maxAcceptRatePerAddress(1)
                .listener((reason, address, detail) -> rejections.add(reason))
                .build());
        server.register(1, TaskHandler.of(p -> p), "echo");
        List<Socket> sockets = new ArrayList<>();
        int reset = 0;
        for (int i = 0; i < 20; i++) {
            Socket s = closeLater(new Socket());
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            try {
                s.connect(server.localAddress(), 5000); // the kernel completes it before the server accepts
            } catch (java.net.SocketException resetBeforeConnectReturned) {
                // A slow test thread: the server accepted and reset it before connect() had returned.
                reset++;
                continue;
            }
            s.setSoTimeout(10_000);
            sockets.add(s);
        }
        for (Socket s : sockets) {
            if (closedWithoutAReply(s)) {
                reset++;
            }
        }
        assertThat(reset).isGreaterThanOrEqualTo(10);
        assertThat(server.acceptsReset()).isEqualTo(reset);
        assertThat(rejections).hasSize(reset).containsOnly(TaskServerListener.Rejection.ACCEPT_RATE);
        // The reset ones never reached a pipeline: no handshake, no client, no address share left behind.
        for (Socket s : sockets) {
            s.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.addressesTracked() == 0);
        // 127.0.0.1 has a bucket of its own.
        TaskClient client = connect(server);
        assertThat(result(client.submit(1, new byte[] {3}))).containsExactly(3);
    }

    /** Sends the hello: true if the server closed or reset the connection before any reply, false if one came. */
    private static boolean closedWithoutAReply(Socket s) {
        try {
            s.getOutputStream().write(hello(Handshake.VERSION));
            InputStream in = s.getInputStream();
            return in.read() < 0;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Test
    void theDefaultRateIsTheConnectionsOneAddressMayHold() {
        assertThat(TaskServer.builder()
                        .maxClientsPerAddress(40)
                        .build()
                        .settings()
                        .maxAcceptRatePerAddress())
                .isEqualTo(40);
        assertThat(TaskServer.builder().build().settings().maxAcceptRatePerAddress())
                .isEqualTo(TaskServer.DEFAULT_MAX_CLIENTS_PER_ADDRESS);
        assertThat(TaskServer.builder()
                        .maxAcceptRatePerAddress(7)
                        .build()
                        .settings()
                        .maxAcceptRatePerAddress())
                .isEqualTo(7);
    }
}
