package dev.persistentconnection.benchmarks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.transports.Framing;
import dev.persistentconnection.transports.MessageHandler;
import dev.persistentconnection.transports.MessageSession;
import dev.persistentconnection.transports.TcpConnector;
import dev.persistentconnection.transports.TcpSession;
import dev.persistentconnection.transports.WebSocketConnector;
import dev.persistentconnection.transports.WebSocketSession;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Part 8: an echo over the zero-code transports against the bare clients doing the same, in one run, against the
 * same Netty echo servers on 127.0.0.1 (a WebSocket one and a line one). Each client keeps {@code --window}
 * messages in flight over one connection: every echo is timed (send to echo, in order) and answered with the next
 * message from the thread that received it. "Zero-code" is what the starter builds from {@code websocket.*} or
 * {@code tcp.*}: a {@code WebSocketConnector} / {@code TcpConnector} under a {@code PersistentConnection}, the
 * handler called per message; the starter's own beans are not on the message path.
 */
public final class TransportsMain {
    private static final String PAYLOAD = "x".repeat(64);

    private TransportsMain() {}

    /** One client under test: opens, then sends texts; every echo goes to the consumer given at open. */
    private interface Client extends AutoCloseable {
        void send(String text);
    }

    private interface ClientFactory {
        Client open(Consumer<String> onEcho) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Results results = Results.open(args, "8-transports");
        int window = Integer.parseInt(Results.option(args, "--window", "32"));
        long warmupMs = Long.parseLong(Results.option(args, "--warmup-ms", "3000"));
        long windowMs = Long.parseLong(Results.option(args, "--window-ms", "2000"));
        int windows = Integer.parseInt(Results.option(args, "--windows", "3"));
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("echo-server", true), NioIoHandler.newFactory());
        try {
            Channel lineServer = lineEchoServer(serverGroup);
            Channel wsServer = webSocketEchoServer(serverGroup);
            int linePort = ((InetSocketAddress) lineServer.localAddress()).getPort();
            URI wsUri = URI.create("ws://127.0.0.1:" + ((InetSocketAddress) wsServer.localAddress()).getPort() + "/ws");

            results.line("## 8. WebSocket and TCP (line) echo: zero-code transports vs the bare clients");
            results.line("");
            results.line(
                    "One connection per client, %d messages of %d characters in flight, each echo answered by the "
                            + "next message; the servers are Netty echo servers on 127.0.0.1 (one I/O thread), the same for "
                            + "both clients of a transport. Warm-up %d ms, then %d windows of %d ms, alternating the clients "
                            + "window by window; throughput is the median window, p99 is over every echo of every window.",
                    window, PAYLOAD.length(), warmupMs, windows, windowMs);
            results.line("");
            results.line("| transport | client | messages/s (median, min..max) | p50 us | p99 us |");
            results.line("| --- | --- | --- | --- | --- |");
            Measured[] ws = compare(
                    onEcho -> zeroCodeWebSocket(wsUri, onEcho),
                    onEcho -> bareWebSocket(wsUri, onEcho),
                    window,
                    warmupMs,
                    windowMs,
                    windows);
            Measured zeroWs = ws[0];
            Measured bareWs = ws[1];
            Measured[] tcp = compare(
                    onEcho -> zeroCodeTcp(linePort, onEcho),
                    onEcho -> bareNetty(linePort, onEcho),
                    window,
                    warmupMs,
                    windowMs,
                    windows);
            Measured zeroTcp = tcp[0];
            Measured bareTcp = tcp[1];
            row(results, "WebSocket", "zero-code (WebSocketConnector)", zeroWs);
            row(results, "WebSocket", "bare JDK java.net.http.WebSocket", bareWs);
            row(results, "TCP, line", "zero-code (TcpConnector)", zeroTcp);
            row(results, "TCP, line", "bare Netty (LineBasedFrameDecoder)", bareTcp);
            results.line("");
            double wsThroughput = zeroWs.throughput() / bareWs.throughput();
            double wsP99 = (double) zeroWs.p99 / bareWs.p99;
            double tcpThroughput = zeroTcp.throughput() / bareTcp.throughput();
            double tcpP99 = (double) zeroTcp.p99 / bareTcp.p99;
            results.line(
                    "Ratios, zero-code / bare: WebSocket throughput %.2fx, p99 %.2fx; TCP throughput %.2fx, p99 %.2fx.",
                    wsThroughput, wsP99, tcpThroughput, tcpP99);
            results.target(
                    "8a",
                    "zero-code WebSocket >= 0.9x the bare JDK client's messages/s",
                    Results.fmt("%.2fx", wsThroughput),
                    wsThroughput >= 0.9,
                    "");
            results.target(
                    "8b",
                    "zero-code WebSocket p99 <= 1.2x the bare JDK client's",
                    Results.fmt("%.2fx", wsP99),
                    wsP99 <= 1.2,
                    "");
            results.target(
                    "8c",
                    "zero-code TCP line >= 0.9x bare Netty's messages/s",
                    Results.fmt("%.2fx", tcpThroughput),
                    tcpThroughput >= 0.9,
                    "");
            results.target(
                    "8d",
                    "zero-code TCP line p99 <= 1.2x bare Netty's",
                    Results.fmt("%.2fx", tcpP99),
                    tcpP99 <= 1.2,
                    "");
            results.write();
            lineServer.close().syncUninterruptibly();
            wsServer.close().syncUninterruptibly();
        } finally {
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void row(Results results, String transport, String client, Measured m) {
        results.line(
                "| %s | %s | %s | %d | %d |", transport, client, Results.spread(m.perSecond, "%.0f"), m.p50, m.p99);
    }

    /** Throughput per window and the latency quantiles over every echo. */
    private record Measured(double[] perSecond, long p50, long p99) {
        double throughput() {
            return Results.median(perSecond);
        }
    }

    /** Opens both clients, warms both up, then alternates measuring windows so that drift hits both alike. */
    private static Measured[] compare(
            ClientFactory first, ClientFactory second, int window, long warmupMs, long windowMs, int windows)
            throws Exception {
        Loop a = new Loop(first, window);
        Loop b = new Loop(second, window);
        try {
            a.start();
            b.start();
            a.run(warmupMs, false);
            b.run(warmupMs, false);
            double[] ra = new double[windows];
            double[] rb = new double[windows];
            for (int i = 0; i < windows; i++) {
                ra[i] = a.run(windowMs, true);
                rb[i] = b.run(windowMs, true);
            }
            return new Measured[] {a.measured(ra), b.measured(rb)};
        } finally {
            a.close();
            b.close();
        }
    }

    /** A closed loop of {@code window} messages in flight; paused between runs by not answering echoes. */
    private static final class Loop {
        private final ClientFactory factory;
        private final int window;
        private Client client;
        private final long[] sentAt = new long[1 << 16];
        private long sent;
        private long received;
        private volatile boolean running;
        private boolean recording;
        private long[] latencies = new long[1 << 20];
        private int latencyCount;
        private CompletableFuture<Void> drained = CompletableFuture.completedFuture(null);

        Loop(ClientFactory factory, int window) {
            this.factory = factory;
            this.window = window;
        }

        void start() throws Exception {
            client = factory.open(this::echoed);
        }

        /** Runs for {@code millis}; returns echoes per second. */
        double run(long millis, boolean record) throws Exception {
            long startCount;
            synchronized (this) {
                recording = record;
                running = true;
                drained = new CompletableFuture<>();
                startCount = received;
            }
            long start = System.nanoTime();
            for (int i = 0; i < window; i++) {
                sendOne();
            }
            Results.sleep(millis);
            long end;
            long count;
            synchronized (this) {
                running = false;
                end = System.nanoTime();
                count = received - startCount;
                if (sent == received) {
                    drained.complete(null);
                }
            }
            drained.get(30, TimeUnit.SECONDS); // the messages in flight come back before the next run
            return count / ((end - start) / 1e9);
        }

        private void sendOne() {
            long seq;
            synchronized (this) {
                seq = sent++;
                sentAt[(int) (seq & (sentAt.length - 1))] = System.nanoTime();
            }
            client.send(PAYLOAD);
        }

        private void echoed(String text) {
            long now = System.nanoTime();
            boolean again;
            synchronized (this) {
                long seq = received++;
                if (recording && latencyCount < latencies.length) {
                    latencies[latencyCount++] = now - sentAt[(int) (seq & (sentAt.length - 1))];
                }
                again = running;
                if (!again && sent == received) {
                    drained.complete(null);
                }
            }
            if (again) {
                sendOne();
            }
        }

        Measured measured(double[] perSecond) {
            long[] sorted = Arrays.copyOf(latencies, latencyCount);
            Arrays.sort(sorted);
            return new Measured(
                    perSecond,
                    Results.quantile(sorted, sorted.length, 0.5) / 1000,
                    Results.quantile(sorted, sorted.length, 0.99) / 1000);
        }

        void close() throws Exception {
            if (client != null) {
                client.close();
            }
        }
    }

    // ---- the four clients

    /** What the starter builds for {@code websocket.uri} (pings off, so that both clients send the same frames). */
    private static Client zeroCodeWebSocket(URI uri, Consumer<String> onEcho) throws Exception {
        MessageHandler handler = (session, message) -> onEcho.accept(message.text());
        WebSocketConnector connector = WebSocketConnector.builder(handler)
                .name("bench")
                .pingInterval(Duration.ZERO)
                .build();
        PersistentConnection<URI, WebSocketSession> connection = PersistentConnection.builder(
                        "bench", AddressSuppliers.fixed(uri), connector, MessageSession.<WebSocketSession>lifecycle())
                .build();
        WebSocketSession session = connection.connected().get(30, TimeUnit.SECONDS);
        return new Client() {
            @Override
            public void send(String text) {
                session.send(text);
            }

            @Override
            public void close() {
                connection.close();
                connector.close();
            }
        };
    }

    /** What the starter builds for {@code tcp.addresses} with {@code framing: line}. */
    private static Client zeroCodeTcp(int port, Consumer<String> onEcho) throws Exception {
        MessageHandler handler = (session, message) -> onEcho.accept(message.text());
        TcpConnector connector = TcpConnector.builder(handler)
                .name("bench")
                .framing(Framing.line())
                .build();
        PersistentConnection<InetSocketAddress, TcpSession> connection = PersistentConnection.builder(
                        "bench",
                        AddressSuppliers.fixed(new InetSocketAddress("127.0.0.1", port)),
                        connector,
                        MessageSession.<TcpSession>lifecycle())
                .build();
        TcpSession session = connection.connected().get(30, TimeUnit.SECONDS);
        return new Client() {
            @Override
            public void send(String text) {
                session.send(text);
            }

            @Override
            public void close() {
                connection.close();
                connector.close();
            }
        };
    }

    /**
     * The JDK client as one would use it bare: sends chained one after the other (it allows one outstanding send),
     * text fragments joined, {@code request(1)} after each.
     */
    private static Client bareWebSocket(URI uri, Consumer<String> onEcho) throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool(new DefaultThreadFactory("bare-ws", true));
        HttpClient http = HttpClient.newBuilder().executor(threads).build();
        WebSocket socket = http.newWebSocketBuilder()
                .buildAsync(uri, new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            String whole = text.toString();
                            text.setLength(0);
                            onEcho.accept(whole);
                        }
                        webSocket.request(1);
                        return null;
                    }
                })
                .get(30, TimeUnit.SECONDS);
        return new Client() {
            private CompletableFuture<WebSocket> last = CompletableFuture.completedFuture(socket);

            @Override
            public synchronized void send(String text) {
                last = last.thenCompose(ws -> ws.sendText(text, true));
            }

            @Override
            public void close() throws Exception {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
                socket.abort();
                threads.shutdownNow();
            }
        };
    }

    /** Bare Netty: a line decoder and a handler, writeAndFlush per line. */
    private static Client bareNetty(int port, Consumer<String> onEcho) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("bare-netty", true), NioIoHandler.newFactory());
        Channel channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(1 << 20), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf line = (ByteBuf) msg;
                                String text = line.toString(StandardCharsets.UTF_8);
                                line.release();
                                onEcho.accept(text);
                            }
                        });
                    }
                })
                .connect("127.0.0.1", port)
                .sync()
                .channel();
        return new Client() {
            @Override
            public void send(String text) {
                ByteBuf buf = channel.alloc().buffer(text.length() + 1);
                buf.writeCharSequence(text, StandardCharsets.UTF_8);
                buf.writeByte('\n');
                channel.writeAndFlush(buf);
            }

            @Override
            public void close() {
                channel.close().syncUninterruptibly();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        };
    }

    // ---- the servers

    private static Channel lineEchoServer(EventLoopGroup group) throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new LineBasedFrameDecoder(1 << 20, false, true),
                                        new ChannelInboundHandlerAdapter() {
                                            @Override
                                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                                ctx.write(msg); // the line with its delimiter
                                            }

                                            @Override
                                            public void channelReadComplete(ChannelHandlerContext ctx) {
                                                ctx.flush();
                                            }
                                        });
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    private static Channel webSocketEchoServer(EventLoopGroup group) throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new HttpServerCodec(),
                                        new HttpObjectAggregator(1 << 16),
                                        new WebSocketServerProtocolHandler("/ws", null, false, 1 << 20),
                                        new ChannelInboundHandlerAdapter() {
                                            @Override
                                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                                if (msg instanceof TextWebSocketFrame frame) {
                                                    ctx.write(frame); // echoed as it came
                                                } else {
                                                    ctx.fireChannelRead(msg);
                                                }
                                            }

                                            @Override
                                            public void channelReadComplete(ChannelHandlerContext ctx) {
                                                ctx.flush();
                                            }
                                        });
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }
}
