package dev.persistentconnection.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 that injects faults between a client and an upstream server. Blocking sockets, one
 * daemon thread per direction of each proxied connection (named {@code fault-proxy-*}); every thread ends when its
 * connection ends, and {@link #close()} ends them all.
 *
 * <ul>
 *   <li>{@link #refuse()} / {@link #accept()}: close the listening socket (connects are refused with RST) and bind
 *       it again on the same port;</li>
 *   <li>{@link #hang(boolean)}: new connections are accepted but never forwarded (the client's handshake gets no
 *       answer); bytes the client sends are read and discarded so that its close is noticed;</li>
 *   <li>{@link #latency(long)}: each forwarded chunk is held this many milliseconds (both directions);</li>
 *   <li>{@link #cutAll(Cut)}: cut every live connection with RST ({@code SO_LINGER 0}) or FIN (shutdown of both
 *       outputs, nothing more is forwarded);</li>
 *   <li>{@link #stallAll(boolean, boolean)}: blackhole one or both directions of every live connection for the rest
 *       of its life: bytes are read and discarded, so the peers see a silent (half-open) connection and nothing
 *       else;</li>
 *   <li>upstream down: when the upstream refuses, an accepted connection is reset at once.</li>
 * </ul>
 */
public final class FaultProxy implements AutoCloseable {

    /** How {@link #cutAll} ends a connection. */
    public enum Cut {
        RST,
        FIN
    }

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final InetSocketAddress upstream;
    private final int port;
    private final Object listenerLock = new Object();
    private final Set<Pair> live = ConcurrentHashMap.newKeySet();
    private final List<Pair> all = new CopyOnWriteArrayList<>();
    private ServerSocket listener;
    private Thread acceptor;
    private volatile boolean closed;
    private volatile boolean hang;
    private volatile long latencyMillis;
    private volatile boolean pinUpstreamPort;
    private volatile int pinnedUpstreamPort;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong upstreamRefused = new AtomicLong();
    private final AtomicLong bytesDropped = new AtomicLong();

    /** Starts a proxy on a free port of 127.0.0.1 to {@code upstream}. */
    public FaultProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        ServerSocket first = bind(0);
        this.port = first.getLocalPort();
        synchronized (listenerLock) {
            startAccepting(first);
        }
    }

    /** Where clients connect. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    // ---- faults ----

    /** Stops listening: new connections are refused. Live connections are not touched. */
    public void refuse() {
        synchronized (listenerLock) {
            if (listener != null) {
                closeQuietly(listener);
                listener = null;
            }
        }
        join(acceptorToJoin());
    }

    /** Listens again on the same port (no-op if listening). */
    public void accept() throws IOException {
        synchronized (listenerLock) {
            if (closed || listener != null) {
                return;
            }
            IOException last = null;
            for (int i = 0; i < 50; i++) {
                try {
                    startAccepting(bind(port));
                    return;
                } catch (IOException e) {
                    last = e;
                    sleep(20);
                }
            }
            throw last;
        }
    }

    /** New connections are accepted and then left unanswered (true), or forwarded (false). */
    public void hang(boolean on) {
        hang = on;
    }

    /** Holds every forwarded chunk this long, in both directions; 0 for none. */
    public void latency(long millis) {
        latencyMillis = Math.max(0, millis);
    }

    /**
     * Every connection to the upstream from now on uses the local port of the first one (once that one is gone), as
     * the kernel itself sometimes does: for tests of code that tells connections apart.
     */
    public void pinUpstreamPort(boolean on) {
        pinUpstreamPort = on;
    }

    /** Cuts every live connection; returns how many. */
    public int cutAll(Cut how) {
        int n = 0;
        for (Pair p : live) {
            if (how == Cut.RST) {
                p.reset("cut-rst");
            } else {
                p.fin("cut-fin");
            }
            n++;
        }
        return n;
    }

    /** Blackholes the given directions of every live connection until it ends; returns how many. */
    public int stallAll(boolean clientToServer, boolean serverToClient) {
        int n = 0;
        for (Pair p : live) {
            p.tag(clientToServer && serverToClient ? "stall-both" : clientToServer ? "stall-c2s" : "stall-s2c");
            if (clientToServer) {
                p.stallUp = true;
            }
            if (serverToClient) {
                p.stallDown = true;
            }
            n++;
        }
        return n;
    }

    /** Tags every live connection (for example before the test crashes the server behind it). */
    public void tagLive(String tag) {
        live.forEach(p -> p.tag(tag));
    }

    /** Clears the hang and latency faults and listens (stalls stay on the connections they hit). */
    public void heal() throws IOException {
        hang(false);
        latency(0);
        accept();
    }

    // ---- observation ----

    /** Connections accepted so far. */
    public long accepted() {
        return accepted.get();
    }

    /** Connections reset because the upstream refused. */
    public long upstreamRefused() {
        return upstreamRefused.get();
    }

    /** Bytes discarded by stalls and hangs. */
    public long bytesDropped() {
        return bytesDropped.get();
    }

    /** Connections with at least one open socket. */
    public int liveConnections() {
        return live.size();
    }

    /** The connections with at least one open socket, for reports. */
    public List<Pair> live() {
        return List.copyOf(live);
    }

    /** Connections that ended with one of their sockets still open (a leak of the proxy's own); for reports. */
    public List<Pair> endedWithOpenSockets() {
        return all.stream()
                .filter(p -> p.isEnded() && (!p.down.isClosed() || (p.up != null && !p.up.isClosed())))
                .toList();
    }

    /** Every connection ever accepted, live or not. */
    public List<Pair> connections() {
        return List.copyOf(all);
    }

    /** The connection whose client side has this local port of the client ({@code null} if none). */
    public Pair byClientPort(int clientPort) {
        for (Pair p : all) {
            if (p.clientPort == clientPort) {
                return p;
            }
        }
        return null;
    }

    /** The connection whose upstream socket has this local port (the server sees it as the client's port). */
    public Pair byUpstreamPort(int upstreamLocalPort) {
        for (Pair p : all) {
            if (p.upstreamLocalPort == upstreamLocalPort) {
                return p;
            }
        }
        return null;
    }

    /** Stops listening and resets every connection; waits for every proxy thread to end. */
    @Override
    public void close() {
        closed = true;
        refuse();
        for (Pair p : live) {
            p.reset(null);
        }
        for (Pair p : all) {
            p.joinThreads();
        }
    }

    // ---- machinery ----

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
            return s;
        } catch (IOException e) {
            closeQuietly(s); // a failed re-bind (another socket took the port meanwhile) must not leak its fd
            throw e;
        }
    }

    private void startAccepting(ServerSocket socket) {
        listener = socket;
        acceptor = thread("accept", () -> acceptLoop(socket));
    }

    private Thread acceptorToJoin() {
        synchronized (listenerLock) {
            Thread t = acceptor;
            if (listener == null) {
                acceptor = null;
            }
            return t;
        }
    }

    private void acceptLoop(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                return; // closed by refuse() or close()
            }
            accepted.incrementAndGet();
            Pair pair = new Pair(client);
            all.add(pair);
            live.add(pair);
            if (closed) {
                pair.reset(null);
            } else if (hang) {
                pair.tag("hang");
                pair.hangOn();
            } else {
                pair.forward();
            }
        }
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, "fault-proxy-" + name + "-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void join(Thread t) {
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One proxied connection: the accepted client socket and the socket to the upstream. */
    public final class Pair {
        private final Socket down;
        private volatile Socket up;
        /** The client's local port (what {@code TaskClient} sees as its local address). */
        public final int clientPort;
        /** When the proxy accepted the client's connection. */
        public final Instant acceptedAt = Instant.now();
        /** When the proxy started connecting upstream; null if it never did. */
        public volatile Instant upstreamOpenedAt;
        /** The upstream socket's local port (what the server sees as the client's port); -1 until connected. */
        public volatile int upstreamLocalPort = -1;

        private final Set<String> tags = ConcurrentHashMap.newKeySet();
        private final AtomicBoolean ended = new AtomicBoolean();
        private final AtomicInteger pumpsRunning = new AtomicInteger();
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        volatile boolean stallUp;
        volatile boolean stallDown;
        private volatile boolean discard;

        Pair(Socket down) {
            this.down = down;
            this.clientPort = down.getPort();
        }

        /** The faults that hit this connection ("cut-rst", "cut-fin", "stall-*", "hang", or a test's own tag). */
        public Set<String> tags() {
            return Set.copyOf(tags);
        }

        /** True once both sockets are closed. */
        public boolean isEnded() {
            return ended.get();
        }

        void tag(String tag) {
            if (tag != null) {
                tags.add(tag);
            }
        }

        void hangOn() {
            pumpsRunning.set(1);
            threads.add(thread("hang", () -> {
                try (InputStream in = down.getInputStream()) {
                    byte[] buf = new byte[4096];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        bytesDropped.addAndGet(n);
                    }
                } catch (IOException ignored) {
                    // the client gave up
                }
                end();
            }));
        }

        void forward() {
            Socket s = new Socket();
            upstreamOpenedAt = Instant.now();
            try {
                s.setTcpNoDelay(true);
                if (pinUpstreamPort) {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), pinnedUpstreamPort));
                }
                s.connect(upstream, 1_000);
                if (pinUpstreamPort) {
                    pinnedUpstreamPort = s.getLocalPort();
                }
                down.setTcpNoDelay(true);
            } catch (IOException e) {
                upstreamRefused.incrementAndGet();
                tag("upstream-down");
                closeQuietly(s);
                reset(null);
                return;
            }
            up = s;
            if (ended.get()) {
                closeQuietly(s); // cut while connecting: end() ran before it could see this socket
                return;
            }
            upstreamLocalPort = s.getLocalPort();
            pumpsRunning.set(2);
            threads.add(thread("c2s", () -> pump(down, s, true)));
            threads.add(thread("s2c", () -> pump(s, down, false)));
        }

        private void pump(Socket from, Socket to, boolean clientToServer) {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (true) {
                    int n = in.read(buf);
                    if (n < 0) {
                        if (!discard && !stalled(clientToServer)) {
                            to.shutdownOutput(); // pass the FIN on
                        }
                        break;
                    }
                    if (discard || stalled(clientToServer)) {
                        bytesDropped.addAndGet(n);
                        continue;
                    }
                    long latency = latencyMillis;
                    if (latency > 0) {
                        Thread.sleep(latency);
                    }
                    if (discard || stalled(clientToServer)) {
                        bytesDropped.addAndGet(n);
                        continue;
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException | InterruptedException e) {
                // A reset or a closed socket: pass it on as a reset.
                reset(null);
            }
            if (pumpsRunning.decrementAndGet() == 0) {
                end();
            }
        }

        private boolean stalled(boolean clientToServer) {
            return clientToServer ? stallUp : stallDown;
        }

        /** Cut with RST on both sides. */
        void reset(String tag) {
            tag(tag);
            linger0(down);
            linger0(up);
            end();
        }

        /** Cut with FIN on both sides; nothing more is forwarded. */
        void fin(String tag) {
            tag(tag);
            discard = true;
            try {
                down.shutdownOutput();
            } catch (IOException ignored) {
                // already gone
            }
            Socket u = up;
            if (u != null) {
                try {
                    u.shutdownOutput();
                } catch (IOException ignored) {
                    // already gone
                }
            }
            // The pumps see the peers' FIN (or reset) and end the pair.
        }

        private void linger0(Socket s) {
            if (s != null && !s.isClosed()) {
                try {
                    s.setSoLinger(true, 0);
                } catch (SocketException ignored) {
                    // closed concurrently
                }
            }
        }

        private void end() {
            if (ended.compareAndSet(false, true)) {
                closeQuietly(down);
                closeQuietly(up);
                live.remove(this);
            }
        }

        void joinThreads() {
            for (Thread t : threads) {
                join(t);
            }
        }

        @Override
        public String toString() {
            return "Pair[client port " + clientPort + ", upstream port " + upstreamLocalPort + ", tags " + tags
                    + (ended.get() ? ", ended" : "") + "]";
        }
    }
}
