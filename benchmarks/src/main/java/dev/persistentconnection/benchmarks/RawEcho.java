package dev.persistentconnection.benchmarks;

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
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The ceiling for target 6 on this machine: the least a request/response protocol over one Netty TCP connection can
 * do. Frames are {@code [int length][int id][payload]}; the server echoes each frame from its I/O thread (no task
 * executor, no timers, no per-client limits) and flushes once per read; the client matches answers by id. Not a
 * product: no timeouts, no errors, no backpressure.
 */
final class RawEcho {
    private static final int MAX_FRAME = 1 << 20;

    private RawEcho() {}

    static Echo.EchoServer startServer() throws IOException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("raw-accept", true), NioIoHandler.newFactory());
        EventLoopGroup workers =
                new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("raw-io", true), NioIoHandler.newFactory());
        Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 0),
                                        new ChannelInboundHandlerAdapter() {
                                            @Override
                                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                                ctx.write(msg); // the whole frame back: length, id and payload
                                            }

                                            @Override
                                            public void channelReadComplete(ChannelHandlerContext ctx) {
                                                ctx.flush();
                                            }
                                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
        return new Echo.EchoServer() {
            public int port() {
                return ((InetSocketAddress) server.localAddress()).getPort();
            }

            public void close() {
                server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
                boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
                workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        };
    }

    static Echo.EchoClient client(int port) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("raw-client", true), NioIoHandler.newFactory());
        Map<Integer, BiConsumer<byte[], Throwable>> pending = new ConcurrentHashMap<>();
        AtomicInteger ids = new AtomicInteger();
        Channel channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4),
                                        new ChannelInboundHandlerAdapter() {
                                            @Override
                                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                                ByteBuf frame = (ByteBuf) msg;
                                                try {
                                                    int id = frame.readInt();
                                                    byte[] answer = new byte[frame.readableBytes()];
                                                    frame.readBytes(answer);
                                                    BiConsumer<byte[], Throwable> done = pending.remove(id);
                                                    if (done != null) {
                                                        done.accept(answer, null);
                                                    }
                                                } finally {
                                                    frame.release();
                                                }
                                            }

                                            @Override
                                            public void channelInactive(ChannelHandlerContext ctx) {
                                                IOException lost = new IOException("connection lost");
                                                pending.keySet().forEach(id -> {
                                                    BiConsumer<byte[], Throwable> done = pending.remove(id);
                                                    if (done != null) {
                                                        done.accept(null, lost);
                                                    }
                                                });
                                            }
                                        });
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", port))
                .syncUninterruptibly()
                .channel();
        return new Echo.EchoClient() {
            public void call(byte[] payload, BiConsumer<byte[], Throwable> done) {
                int id = ids.incrementAndGet();
                pending.put(id, done);
                ByteBuf frame = channel.alloc().buffer(8 + payload.length);
                frame.writeInt(4 + payload.length).writeInt(id).writeBytes(payload);
                channel.writeAndFlush(frame, channel.voidPromise());
            }

            public void close() {
                channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        };
    }
}
