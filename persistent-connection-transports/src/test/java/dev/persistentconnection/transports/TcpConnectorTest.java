package dev.persistentconnection.transports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.PersistentConnection;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TCP connector against a plain {@link java.net.ServerSocket} peer. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TcpConnectorTest {
    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
    private final Recorder recorder = new Recorder();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T later(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private TcpConnector connector(TcpConnector.Builder builder) {
        return later(builder.name("test").build());
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes and flushes now (the peer has TCP_NODELAY), so that what follows goes in another segment. */
    private static void write(Socket socket, byte[] bytes) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    @Test
    void linesSplitAcrossAndMergedIntoSegments() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpSession session = join(connector(TcpConnector.builder(recorder)).connect(peer.address()));
        Socket socket = peer.next();
        write(socket, utf8("hel"));
        assertThat(recorder.messages.poll(200, TimeUnit.MILLISECONDS)).isNull(); // half a line is no message
        write(socket, utf8("lo\r\nsecond\nthi"));
        write(socket, utf8("rd\n"));
        assertThat(recorder.nextText()).isEqualTo("hello");
        assertThat(recorder.nextText()).isEqualTo("second");
        assertThat(recorder.nextText()).isEqualTo("third");
        join(session.send("reply"));
        join(session.send(utf8("bytes")));
        byte[] got = new DataInputStream(socket.getInputStream()).readNBytes("reply\nbytes\n".length());
        assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("reply\nbytes\n");
        assertThat(recorder.threads).allMatch(name -> name.startsWith("tcp-test-io"));
    }

    @Test
    void customDelimiterAndCharset() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpSession session =
                join(connector(TcpConnector.builder(recorder).framing(Framing.line(StandardCharsets.ISO_8859_1, "|")))
                        .connect(peer.address()));
        Socket socket = peer.next();
        write(socket, "caf\u00e9|ok|".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(recorder.nextText()).isEqualTo("caf\u00e9");
        assertThat(recorder.nextText()).isEqualTo("ok");
        join(session.send("\u00e9"));
        assertThat(socket.getInputStream().readNBytes(2)).containsExactly(0xe9, '|');
    }

    @Test
    void lengthFieldFramesSplitAndMerged() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpSession session = join(connector(TcpConnector.builder(recorder).framing(Framing.lengthField()))
                .connect(peer.address()));
        Socket socket = peer.next();
        ByteBuffer frames = ByteBuffer.allocate(4 + 5 + 4 + 3)
                .putInt(5)
                .put(utf8("hello"))
                .putInt(3)
                .put(utf8("abc"));
        byte[] all = frames.array();
        write(socket, java.util.Arrays.copyOfRange(all, 0, 2));
        write(socket, java.util.Arrays.copyOfRange(all, 2, 7));
        assertThat(recorder.messages.poll(200, TimeUnit.MILLISECONDS)).isNull();
        write(socket, java.util.Arrays.copyOfRange(all, 7, all.length));
        assertThat(recorder.next().bytes()).isEqualTo(utf8("hello"));
        assertThat(recorder.next().bytes()).isEqualTo(utf8("abc"));
        join(session.send(utf8("xyz")));
        DataInputStream in = new DataInputStream(socket.getInputStream());
        assertThat(in.readInt()).isEqualTo(3);
        assertThat(in.readNBytes(3)).isEqualTo(utf8("xyz"));
    }

    @Test
    void lengthFieldWithOffsetAdjustmentAndLittleEndian() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        // A 1-byte type, a 2-byte little-endian length counting the whole frame, nothing stripped.
        join(connector(TcpConnector.builder(recorder)
                        .framing(Framing.lengthField(1, 2, -3, 0, ByteOrder.LITTLE_ENDIAN)))
                .connect(peer.address()));
        Socket socket = peer.next();
        write(socket, new byte[] {7, 6, 0, 'a', 'b', 'c'});
        assertThat(recorder.next().bytes()).containsExactly(7, 6, 0, 'a', 'b', 'c');
    }

    @Test
    void rawChunksAsTheyArrive() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpSession session = join(
                connector(TcpConnector.builder(recorder).framing(Framing.raw())).connect(peer.address()));
        Socket socket = peer.next();
        write(socket, utf8("abc"));
        assertThat(recorder.next().bytes()).isEqualTo(utf8("abc"));
        join(session.send(utf8("raw")));
        assertThat(socket.getInputStream().readNBytes(3)).isEqualTo(utf8("raw"));
    }

    @Test
    void oversizedFrameClosesThisSessionOnly() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpConnector connector = connector(TcpConnector.builder(recorder).maxMessageSize(8));
        TcpSession big = join(connector.connect(peer.address()));
        Socket bigSocket = peer.next();
        TcpSession other = join(connector.connect(peer.address()));
        Socket otherSocket = peer.next();
        write(bigSocket, utf8("12345678\n123456789\n"));
        assertThat(recorder.nextText()).isEqualTo("12345678");
        join(big.closeFinished());
        assertThat(big.closeReason())
                .get()
                .extracting(Throwable::getMessage)
                .asString()
                .contains("over max-message-size 8 bytes");
        write(otherSocket, utf8("fine\n"));
        assertThat(recorder.nextText()).isEqualTo("fine");
        assertThat(other.isClosed()).isFalse();
    }

    @Test
    void silentPeerIsDetectedByTheIdleTimeout() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpSession session = join(connector(TcpConnector.builder(recorder).idleTimeout(Duration.ofMillis(300)))
                .connect(peer.address()));
        Socket socket = peer.next();
        write(socket, utf8("alive\n"));
        assertThat(recorder.nextText()).isEqualTo("alive");
        join(session.closeFinished()); // the peer is silent, yet its socket stays open
        assertThat(socket.isClosed()).isFalse();
        assertThat(session.closeReason())
                .get()
                .extracting(Throwable::getMessage)
                .asString()
                .contains("nothing read")
                .contains("300 ms (idle-timeout)");
    }

    @Test
    void peerCloseIsTheCloseReason() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpSession session = join(connector(TcpConnector.builder(recorder)).connect(peer.address()));
        peer.next().close();
        join(session.closeFinished());
        assertThat(session.closeReason())
                .get()
                .extracting(Throwable::getMessage)
                .asString()
                .startsWith("closed by the peer");
        assertThatThrownBy(() -> join(session.send("late"))).cause().isInstanceOf(SessionClosedException.class);
    }

    @Test
    void socketOptionsAreSetOnTheNioTransport() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpConnector connector = connector(TcpConnector.builder(recorder)
                .nativeTransport(false)
                .keepAlive(true)
                .keepAliveIdle(Duration.ofSeconds(30))
                .keepAliveInterval(Duration.ofSeconds(5))
                .keepAliveCount(4)
                .tcpUserTimeout(Duration.ofSeconds(20)));
        assertThat(connector.nativeTransport()).isFalse();
        TcpSession session = join(connector.connect(peer.address()));
        var config = session.channel().config();
        assertThat(config.getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
        assertThat(config.getOption(ChannelOption.TCP_NODELAY)).isTrue();
        assertThat(config.getOption(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE)))
                .isEqualTo(30);
        assertThat(config.getOption(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL)))
                .isEqualTo(5);
        assertThat(config.getOption(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT)))
                .isEqualTo(4);
    }

    @Test
    void socketOptionsAreSetOnTheNativeTransport() throws Exception {
        assumeThat(io.netty.channel.epoll.Epoll.isAvailable())
                .as("native epoll loads here")
                .isTrue();
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpConnector connector = connector(TcpConnector.builder(recorder)
                .keepAlive(true)
                .keepAliveIdle(Duration.ofSeconds(30))
                .keepAliveInterval(Duration.ofSeconds(5))
                .keepAliveCount(4)
                .tcpUserTimeout(Duration.ofSeconds(20)));
        assertThat(connector.nativeTransport()).isTrue();
        TcpSession session = join(connector.connect(peer.address()));
        var config = session.channel().config();
        assertThat(config.getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
        assertThat(config.getOption(EpollChannelOption.TCP_KEEPIDLE)).isEqualTo(30);
        assertThat(config.getOption(EpollChannelOption.TCP_KEEPINTVL)).isEqualTo(5);
        assertThat(config.getOption(EpollChannelOption.TCP_KEEPCNT)).isEqualTo(4);
        assertThat(config.getOption(EpollChannelOption.TCP_USER_TIMEOUT)).isEqualTo(20_000);
        write(peer.next(), utf8("native\n"));
        assertThat(recorder.nextText()).isEqualTo("native");
    }

    @Test
    void tlsThroughAnSslContext() throws Exception {
        PlainTcpPeer peer = later(PlainTcpPeer.tls());
        TcpSession session =
                join(connector(TcpConnector.builder(recorder).sslContext(WebSocketConnectorTest.trustingTestCa()))
                        .connect(peer.address()));
        Socket socket = peer.next();
        write(socket, utf8("secret\n"));
        assertThat(recorder.nextText()).isEqualTo("secret");
        join(session.send("back"));
        assertThat(socket.getInputStream().readNBytes(5)).isEqualTo(utf8("back\n"));
        // Without the test CA the handshake fails, and so does the attempt.
        TcpConnector plainTrust =
                connector(TcpConnector.builder(recorder).sslContext(javax.net.ssl.SSLContext.getDefault()));
        assertThatThrownBy(() -> join(plainTrust.connect(peer.address())))
                .cause()
                .hasMessageContaining("TLS handshake");
    }

    @Test
    void fullOutboundBufferFailsTheSendAndLosesNothingAccepted() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpSession session = join(
                connector(TcpConnector.builder(recorder).framing(Framing.raw()).outboundBufferSize(256 * 1024))
                        .connect(peer.address()));
        Socket socket = peer.next(); // does not read yet: the kernel buffers fill, then ours
        byte[] chunk = new byte[64 * 1024];
        List<CompletableFuture<Void>> accepted = new java.util.ArrayList<>();
        Throwable refused = null;
        for (int i = 0; i < 4000 && refused == null; i++) {
            CompletableFuture<Void> sent = session.send(chunk).toCompletableFuture();
            if (sent.isCompletedExceptionally()) {
                refused = sent.handle((ok, e) -> e).join();
            } else {
                accepted.add(sent);
            }
        }
        assertThat(refused).isInstanceOf(OutboundBufferFullException.class).hasMessageContaining("limit 262144");
        long expected = (long) accepted.size() * chunk.length;
        java.util.concurrent.atomic.AtomicLong read = new java.util.concurrent.atomic.AtomicLong();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                InputStream in = socket.getInputStream();
                int n;
                while (read.get() < expected && (n = in.read(buffer)) > 0) {
                    read.addAndGet(n);
                }
            } catch (Exception e) {
                // closed at the end of the test
            }
        });
        reader.setDaemon(true);
        reader.start();
        join(CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)));
        reader.join(10_000);
        assertThat(read.get()).isEqualTo(expected);
        assertThat(session.pendingBytes()).isZero();
    }

    @Test
    void waitingSendFailsAfterItsTimeout() throws Exception {
        PlainTcpPeer peer = later(new PlainTcpPeer());
        TcpSession session = join(connector(TcpConnector.builder(recorder)
                        .framing(Framing.raw())
                        .outboundBufferSize(1000)
                        .whenFull(WhenFull.WAIT)
                        .sendWaitTimeout(Duration.ofMillis(100)))
                .connect(peer.address()));
        Socket socket = peer.next();
        byte[] chunk = new byte[64 * 1024];
        Throwable refused = null;
        for (int i = 0; i < 2000 && refused == null; i++) {
            CompletableFuture<Void> sent = session.send(chunk).toCompletableFuture();
            if (sent.isCompletedExceptionally()) {
                refused = sent.handle((ok, e) -> e).join();
            }
        }
        assertThat(refused).isInstanceOf(OutboundBufferFullException.class);
        // Once the peer reads, a waiting send goes through.
        Thread reader = new Thread(() -> {
            try (InputStream in = socket.getInputStream()) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (Exception e) {
                // closed at the end of the test
            }
        });
        reader.setDaemon(true);
        reader.start();
        join(session.send(chunk));
    }

    @Test
    void persistentConnectionReconnectsAfterThePeerRestarts() throws Exception {
        PlainTcpPeer first = new PlainTcpPeer();
        InetSocketAddress address = first.address();
        TcpConnector connector = connector(TcpConnector.builder(recorder));
        List<String> events = new CopyOnWriteArrayList<>();
        PersistentConnection<InetSocketAddress, TcpSession> connection = PersistentConnection.builder(
                        "telemetry", AddressSuppliers.fixed(address), connector, MessageSession.<TcpSession>lifecycle())
                .retryDelay(Duration.ofMillis(50))
                .onEvent(event -> {
                    if (event instanceof ConnectionEvent.Connected<?, ?>
                            || event instanceof ConnectionEvent.Disconnected<?, ?>) {
                        events.add(event.name());
                    }
                    return CompletableFuture.completedFuture(null);
                })
                .build();
        later(connection::close);
        TcpSession session = join(connection.connected());
        write(first.next(), utf8("one\n"));
        assertThat(recorder.nextText()).isEqualTo("one");
        first.close();
        join(session.closeFinished());
        PlainTcpPeer second = later(new PlainTcpPeer(address.getPort()));
        TcpSession again = join(connection.connected());
        assertThat(again).isNotSameAs(session);
        write(second.next(), utf8("two\n"));
        assertThat(recorder.nextText()).isEqualTo("two");
        assertThat(events).containsExactly("Connected", "Disconnected", "Connected");
    }
}
