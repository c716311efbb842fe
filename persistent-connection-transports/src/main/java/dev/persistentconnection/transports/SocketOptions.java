package dev.persistentconnection.transports;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.SocketOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import jdk.net.ExtendedSocketOptions;

/**
 * The transport (native epoll or NIO) and the keepalive options it can set. Everything naming epoll is in
 * {@link Native}, which is loaded only when Netty's epoll classes are on the class path.
 */
abstract class SocketOptions {
    final boolean keepAlive;
    final Duration idle;
    final Duration interval;
    final Integer count;
    final Duration userTimeout;

    SocketOptions(boolean keepAlive, Duration idle, Duration interval, Integer count, Duration userTimeout) {
        this.keepAlive = keepAlive;
        this.idle = idle;
        this.interval = interval;
        this.count = count;
        this.userTimeout = userTimeout;
    }

    static SocketOptions choose(
            boolean preferNative,
            boolean keepAlive,
            Duration idle,
            Duration interval,
            Integer count,
            Duration userTimeout) {
        if (preferNative && Native.usable()) {
            return new Native(keepAlive, idle, interval, count, userTimeout);
        }
        return new Nio(keepAlive, idle, interval, count, userTimeout, preferNative);
    }

    abstract boolean isNative();

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends SocketChannel> channelType();

    abstract void apply(Bootstrap bootstrap);

    /** A note on the options asked for that this transport cannot set, if any. */
    abstract Optional<String> unavailable();

    static int seconds(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toSeconds()));
    }

    /** The JDK's NIO: keepalive idle, interval and count through {@code jdk.net.ExtendedSocketOptions}, if supported. */
    static final class Nio extends SocketOptions {
        private final boolean nativeWanted;
        private final List<String> missing = new ArrayList<>();
        private final SocketOption<Integer> idleOption;
        private final SocketOption<Integer> intervalOption;
        private final SocketOption<Integer> countOption;

        Nio(
                boolean keepAlive,
                Duration idle,
                Duration interval,
                Integer count,
                Duration userTimeout,
                boolean nativeWanted) {
            super(keepAlive, idle, interval, count, userTimeout);
            this.nativeWanted = nativeWanted;
            this.idleOption =
                    idle == null ? null : extended(() -> ExtendedSocketOptions.TCP_KEEPIDLE, "keep-alive-idle");
            this.intervalOption = interval == null
                    ? null
                    : extended(() -> ExtendedSocketOptions.TCP_KEEPINTERVAL, "keep-alive-interval");
            this.countOption =
                    count == null ? null : extended(() -> ExtendedSocketOptions.TCP_KEEPCOUNT, "keep-alive-count");
            if (userTimeout != null) {
                missing.add("tcp-user-timeout");
            }
        }

        @Override
        boolean isNative() {
            return false;
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends SocketChannel> channelType() {
            return NioSocketChannel.class;
        }

        @Override
        void apply(Bootstrap b) {
            b.option(ChannelOption.SO_KEEPALIVE, keepAlive);
            if (idleOption != null) {
                b.option(NioChannelOption.of(idleOption), seconds(idle));
            }
            if (intervalOption != null) {
                b.option(NioChannelOption.of(intervalOption), seconds(interval));
            }
            if (countOption != null) {
                b.option(NioChannelOption.of(countOption), count);
            }
        }

        /**
         * The JDK's extended option, or null (noted as missing) where this platform lacks it. Read as a field, not
         * by reflection, so that a GraalVM native image needs no reflection metadata for it.
         */
        private SocketOption<Integer> extended(Supplier<SocketOption<Integer>> jdkOption, String property) {
            try {
                SocketOption<Integer> option = jdkOption.get();
                try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open()) {
                    if (probe.supportedOptions().contains(option)) {
                        return option;
                    }
                }
            } catch (IOException | LinkageError e) {
                // a runtime without the jdk.net module, or no socket to probe the platform with
            }
            missing.add(property);
            return null;
        }

        @Override
        Optional<String> unavailable() {
            if (missing.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(String.join(", ", missing) + " not set: "
                    + (nativeWanted
                            ? "Netty's native epoll transport is not on the class path or does not load here"
                            : "the native transport is switched off")
                    + ", and the JDK's NIO cannot set " + (missing.size() == 1 ? "it" : "them"));
        }
    }

    /** Netty's epoll transport (Linux): every option, {@code TCP_USER_TIMEOUT} included. */
    static final class Native extends SocketOptions {
        Native(boolean keepAlive, Duration idle, Duration interval, Integer count, Duration userTimeout) {
            super(keepAlive, idle, interval, count, userTimeout);
        }

        static boolean usable() {
            try {
                Class.forName("io.netty.channel.epoll.Epoll", false, SocketOptions.class.getClassLoader());
                return Epoll.isAvailable();
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }

        @Override
        boolean isNative() {
            return true;
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends SocketChannel> channelType() {
            return EpollSocketChannel.class;
        }

        @Override
        void apply(Bootstrap b) {
            b.option(ChannelOption.SO_KEEPALIVE, keepAlive);
            if (idle != null) {
                b.option(EpollChannelOption.TCP_KEEPIDLE, seconds(idle));
            }
            if (interval != null) {
                b.option(EpollChannelOption.TCP_KEEPINTVL, seconds(interval));
            }
            if (count != null) {
                b.option(EpollChannelOption.TCP_KEEPCNT, count);
            }
            if (userTimeout != null) {
                b.option(
                        EpollChannelOption.TCP_USER_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, userTimeout.toMillis()));
            }
        }

        @Override
        Optional<String> unavailable() {
            return Optional.empty();
        }
    }
}
