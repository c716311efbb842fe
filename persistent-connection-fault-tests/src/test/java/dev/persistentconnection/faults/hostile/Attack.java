package dev.persistentconnection.faults.hostile;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One hostile client's behaviour, run by one thread from a loopback address of its own until stopped. Bounded in
 * count (at most {@link #MAX_OPEN} sockets open at once, {@link #MAX_CONNECTS} connects in all) and in time (the
 * thread stops at {@link #stop()} or at its hard deadline, whichever comes first).
 */
abstract class Attack implements Runnable {
    static final int MAX_OPEN = 1000;
    static final int MAX_CONNECTS = 50_000;
    static final long HARD_DEADLINE_MILLIS = 120_000;

    /** Task codes of the harness server. */
    static final int ECHO = 1;

    static final int BIG = 2;
    static final int SINK = 3;
    static final int SLOW = 4;
    /** Answer size of {@link #BIG}. */
    static final int BIG_ANSWER = 1 << 20;

    /** The kinds measured by {@link HostileClientsTest}, in the order of its table. */
    enum Kind {
        NO_HELLO_FLOOD("1,000 connections that never send the hello", true, NoHelloFlood::new),
        SLOW_HELLO("100 connections sending the hello one byte every 200 ms", true, SlowHello::new),
        IDLE_AFTER_HANDSHAKE(
                "up to 1,000 connections that handshake, answer PING and never send a task",
                false,
                IdleAfterHandshake::new),
        STUCK_READER(
                "4 clients submit 64 tasks with 1 MiB answers each and never read", true, a -> new StuckReader(a, 0)),
        CLOSED_WINDOW(
                "the same with a 2 KiB receive buffer (the window stays closed)", true, a -> new StuckReader(a, 2048)),
        DRIBBLE("50 connections sending a TASK frame one byte per second", true, Dribble::new),
        MAX_SIZE_FRAMES("2 clients sending 1 MiB TASK frames back to back", false, MaxSizeFrames::new),
        CANCEL_STORM(
                "4 clients: a task and its CANCEL, plus 100 CANCELs of unknown ids, back to back",
                true,
                CancelStorm::new),
        REUSED_IDS("connections that send a task id already in flight, 50 a second", true, ReusedIds::new),
        HEARTBEAT_FLOOD("4 clients sending PING back to back and never reading the PONGs", true, HeartbeatFlood::new),
        MANY_ADDRESSES(
                "up to 1,000 connections that handshake and idle, from 20 addresses (each under its limits)",
                true,
                ManyAddresses::new);

        final String description;
        /** Whether the server is expected to close the attack's connections (else it serves or refuses them). */
        final boolean closedByTheServer;

        private final java.util.function.Function<Target, Attack> factory;

        Kind(String description, boolean closedByTheServer, java.util.function.Function<Target, Attack> factory) {
            this.description = description;
            this.closedByTheServer = closedByTheServer;
            this.factory = factory;
        }

        Attack create(Target target) {
            return factory.apply(target);
        }
    }

    /** Where the attack goes and where it comes from. */
    record Target(InetSocketAddress server, InetAddress source) {}

    final Target target;
    final AtomicLong connects = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong closedByServer = new AtomicLong();
    final AtomicLong framesSent = new AtomicLong();
    /** The most of this attack's connections that were past the handshake at once. */
    final AtomicLong peakAccepted = new AtomicLong();

    final List<RawClient> open = new ArrayList<>();
    private volatile boolean running = true;
    private Thread thread;
    private long deadline;

    Attack(Target target) {
        this.target = target;
    }

    void start(String name) {
        deadline = System.nanoTime() + HARD_DEADLINE_MILLIS * 1_000_000;
        thread = new Thread(this, "hostile-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops the thread and closes every socket it holds. */
    void stop() throws InterruptedException {
        running = false;
        thread.join(10_000);
        for (RawClient c : open) {
            c.close();
        }
        open.clear();
    }

    boolean running() {
        return running
                && System.nanoTime() < deadline
                && !Thread.currentThread().isInterrupted();
    }

    RawClient connect(int receiveBuffer) {
        return connect(target.source(), receiveBuffer);
    }

    RawClient connect(InetAddress source, int receiveBuffer) {
        if (open.size() >= MAX_OPEN || connects.get() >= MAX_CONNECTS) {
            return null;
        }
        try {
            RawClient c = RawClient.connect(source, target.server(), receiveBuffer);
            connects.incrementAndGet();
            open.add(c);
            return c;
        } catch (java.io.IOException e) {
            refused.incrementAndGet();
            return null;
        }
    }

    /** Connects and handshakes; null if refused or closed. */
    RawClient connectAndHandshake(int receiveBuffer, int maxFrame) {
        return connectAndHandshake(target.source(), receiveBuffer, maxFrame);
    }

    RawClient connectAndHandshake(InetAddress source, int receiveBuffer, int maxFrame) {
        RawClient c = connect(source, receiveBuffer);
        if (c == null) {
            return null;
        }
        int status = c.handshake(maxFrame, 2000);
        if (status != 0) {
            refused.incrementAndGet();
            open.remove(c);
            c.close();
            return null;
        }
        accepted.incrementAndGet();
        return c;
    }

    /** Forgets the sockets the server closed, counting them. */
    void sweepClosed() {
        for (Iterator<RawClient> it = open.iterator(); it.hasNext(); ) {
            RawClient c = it.next();
            if (c.drainAndCheckClosed()) {
                closedByServer.incrementAndGet();
                c.close();
                it.remove();
            }
        }
    }

    /**
     * Drops a connection whose write did not finish in time (or that the server closed): going on would send the rest
     * of a frame's bytes as the start of the next one.
     */
    void abandon(RawClient c, Iterator<RawClient> it) {
        if (c.isClosed()) {
            closedByServer.incrementAndGet();
        }
        c.close();
        it.remove();
    }

    void notePeak(long acceptedNow) {
        peakAccepted.accumulateAndGet(acceptedNow, Math::max);
    }

    @Override
    public final void run() {
        try {
            attack();
        } catch (RuntimeException e) {
            System.out.println("[hostile] " + getClass().getSimpleName() + " stopped: " + e);
        }
    }

    abstract void attack();

    /** What the attack did, for the report. */
    String summary() {
        return String.format(
                "connects %d, accepted %d (peak %d at once), refused %d, closed by the server %d%s",
                connects.get(),
                accepted.get(),
                peakAccepted.get(),
                refused.get(),
                closedByServer.get(),
                framesSent.get() > 0 ? ", frames sent " + framesSent.get() : "");
    }

    // ---- the attacks ----

    static final class NoHelloFlood extends Attack {
        NoHelloFlood(Target t) {
            super(t);
        }

        @Override
        void attack() {
            while (running()) {
                sweepClosed();
                for (int i = 0; i < 100 && open.size() < MAX_OPEN && running(); i++) {
                    connect(0);
                }
                RawClient.sleep(5);
            }
        }
    }

    static final class SlowHello extends Attack {
        SlowHello(Target t) {
            super(t);
        }

        @Override
        void attack() {
            byte[] hello = RawClient.hello(1 << 20);
            java.util.Map<RawClient, Integer> sent = new java.util.HashMap<>();
            while (running()) {
                sweepClosed();
                sent.keySet().retainAll(open);
                while (open.size() < 100 && running()) {
                    RawClient c = connect(0);
                    if (c == null) {
                        break;
                    }
                    sent.put(c, 0);
                }
                for (RawClient c : open) {
                    int n = sent.getOrDefault(c, 0);
                    if (n < hello.length) {
                        c.offer(ByteBuffer.wrap(hello, n, 1));
                        sent.put(c, n + 1);
                        if (n + 1 == hello.length) {
                            accepted.incrementAndGet(); // a whole hello got through: the deadline did not work
                        }
                    }
                }
                RawClient.sleep(200);
            }
        }
    }

    static final class IdleAfterHandshake extends Attack {
        IdleAfterHandshake(Target t) {
            super(t);
        }

        @Override
        void attack() {
            long[] ignored = new long[1];
            while (running()) {
                for (java.util.Iterator<RawClient> it = open.iterator(); it.hasNext(); ) {
                    RawClient c = it.next();
                    if (c.pollFrames((byte) 0, ignored)) {
                        closedByServer.incrementAndGet();
                        c.close();
                        it.remove();
                    }
                }
                notePeak(open.size());
                if (open.size() < MAX_OPEN) {
                    for (int i = 0; i < 50 && running(); i++) {
                        if (connectAndHandshake(0, 1 << 20) == null) {
                            RawClient.sleep(20); // refused: try again a little later
                            break;
                        }
                    }
                }
                notePeak(open.size());
                RawClient.sleep(5);
            }
        }
    }

    static final class StuckReader extends Attack {
        private final int receiveBuffer;

        StuckReader(Target t, int receiveBuffer) {
            super(t);
            this.receiveBuffer = receiveBuffer;
        }

        @Override
        void attack() {
            int id = 0;
            while (running()) {
                sweepClosed();
                while (open.size() < 4 && running()) {
                    RawClient c = connectAndHandshake(receiveBuffer, 1 << 20);
                    if (c == null) {
                        break;
                    }
                    for (int i = 0; i < 64; i++) {
                        c.write(RawClient.task(++id, BIG, new byte[0]), System.nanoTime() + 1_000_000_000L);
                        framesSent.incrementAndGet();
                    }
                }
                notePeak(open.size());
                // Never read: notice the server's close without reading, by a PING (a write to a closed peer
                // fails once its RST is back), as a stuck application whose heartbeat thread still runs would.
                for (java.util.Iterator<RawClient> it = open.iterator(); it.hasNext(); ) {
                    RawClient c = it.next();
                    c.offer(RawClient.ping());
                    if (c.isClosed()) {
                        closedByServer.incrementAndGet();
                        c.close();
                        it.remove();
                    }
                }
                RawClient.sleep(20);
            }
        }

        @Override
        void sweepClosed() {
            // reading would unstick the reader: nothing here
        }
    }

    static final class Dribble extends Attack {
        Dribble(Target t) {
            super(t);
        }

        @Override
        void attack() {
            ByteBuffer frame = RawClient.task(1, ECHO, new byte[64]);
            byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            java.util.Map<RawClient, Integer> sent = new java.util.HashMap<>();
            long nextByte = 0;
            while (running()) {
                sweepClosed();
                sent.keySet().retainAll(open);
                while (open.size() < 50 && running()) {
                    RawClient c = connectAndHandshake(0, 1 << 20);
                    if (c == null) {
                        break;
                    }
                    sent.put(c, 0);
                }
                notePeak(open.size());
                if (System.nanoTime() >= nextByte) {
                    nextByte = System.nanoTime() + 1_000_000_000L;
                    for (RawClient c : open) {
                        int n = sent.getOrDefault(c, 0);
                        if (n < bytes.length) {
                            c.offer(ByteBuffer.wrap(bytes, n, 1));
                            sent.put(c, n + 1);
                        }
                    }
                }
                RawClient.sleep(20);
            }
        }
    }

    static final class MaxSizeFrames extends Attack {
        MaxSizeFrames(Target t) {
            super(t);
        }

        @Override
        void attack() {
            // The largest frame the server accepts: the length prefix equals maxFrameSize.
            byte[] payload = new byte[HostileClientsTest.MAX_FRAME_SIZE - 1 - 4 - 2];
            int id = 0;
            while (running()) {
                sweepClosed();
                while (open.size() < 2 && running()) {
                    if (connectAndHandshake(0, 1 << 20) == null) {
                        // Refused (its address over its accept rate): retry at most every 5 ms, which is still
                        // more than the server lets through, without spinning on the cores everyone shares.
                        RawClient.sleep(5);
                        break;
                    }
                }
                notePeak(open.size());
                for (Iterator<RawClient> it = open.iterator(); it.hasNext(); ) {
                    RawClient c = it.next();
                    if (c.write(RawClient.task(++id, SINK, payload), System.nanoTime() + 2_000_000_000L)) {
                        framesSent.incrementAndGet();
                    } else {
                        abandon(c, it); // never go on in the middle of a frame
                    }
                    c.drainAndCheckClosed();
                }
            }
        }
    }

    static final class CancelStorm extends Attack {
        CancelStorm(Target t) {
            super(t);
        }

        @Override
        void attack() {
            int id = 0;
            ByteBuffer batch = ByteBuffer.allocate(64 * 1024);
            java.util.Random random = new java.util.Random(17);
            while (running()) {
                sweepClosed();
                while (open.size() < 4 && running()) {
                    if (connectAndHandshake(0, 1 << 20) == null) {
                        // Refused (its address over its accept rate): retry at most every 5 ms, which is still
                        // more than the server lets through, without spinning on the cores everyone shares.
                        RawClient.sleep(5);
                        break;
                    }
                }
                notePeak(open.size());
                for (Iterator<RawClient> it = open.iterator(); it.hasNext(); ) {
                    RawClient c = it.next();
                    batch.clear();
                    ++id;
                    batch.put(RawClient.task(id, SLOW, new byte[0])).put(RawClient.cancel(id));
                    for (int i = 0; i < 100; i++) {
                        batch.put(RawClient.cancel(random.nextInt()));
                    }
                    batch.flip();
                    if (c.write(batch, System.nanoTime() + 2_000_000_000L)) {
                        framesSent.addAndGet(102);
                    } else {
                        abandon(c, it); // never go on in the middle of a frame
                    }
                }
            }
        }
    }

    static final class ReusedIds extends Attack {
        ReusedIds(Target t) {
            super(t);
        }

        @Override
        void attack() {
            while (running()) {
                long start = System.nanoTime();
                sweepClosed();
                RawClient c = connectAndHandshake(0, 1 << 20);
                if (c != null) {
                    ByteBuffer twice = ByteBuffer.allocate(64);
                    twice.put(RawClient.task(7, SLOW, new byte[0]))
                            .put(RawClient.task(7, SLOW, new byte[0]))
                            .flip();
                    c.write(twice, System.nanoTime() + 200_000_000L);
                    framesSent.addAndGet(2);
                }
                notePeak(open.size());
                long left = 20 - (System.nanoTime() - start) / 1_000_000;
                if (left > 0) {
                    RawClient.sleep(left);
                }
            }
        }
    }

    static final class HeartbeatFlood extends Attack {
        HeartbeatFlood(Target t) {
            super(t);
        }

        @Override
        void attack() {
            ByteBuffer pings = ByteBuffer.allocate(5 * 2000);
            for (int i = 0; i < 2000; i++) {
                pings.put(RawClient.ping());
            }
            while (running()) {
                while (open.size() < 4 && running()) {
                    if (connectAndHandshake(0, 1 << 20) == null) {
                        // Refused (its address over its accept rate): retry at most every 5 ms, which is still
                        // more than the server lets through, without spinning on the cores everyone shares.
                        RawClient.sleep(5);
                        break;
                    }
                }
                notePeak(open.size());
                boolean wrote = false;
                for (java.util.Iterator<RawClient> it = open.iterator(); it.hasNext(); ) {
                    RawClient c = it.next();
                    pings.rewind();
                    int n = c.offer(pings);
                    wrote |= n > 0;
                    framesSent.addAndGet(n / 5);
                    if (c.isClosed()) {
                        closedByServer.incrementAndGet();
                        c.close();
                        it.remove();
                    }
                }
                if (!wrote) {
                    RawClient.sleep(1);
                }
            }
        }
    }

    /**
     * A distributed flood: connections that handshake and then only answer PINGs, from 20 addresses (the attack's
     * source and the 19 after it), each address under its connection and accept limits, together more than
     * {@code maxClients}.
     */
    static final class ManyAddresses extends Attack {
        static final int ADDRESSES = 20;

        ManyAddresses(Target t) {
            super(t);
        }

        @Override
        void attack() {
            InetAddress[] sources = new InetAddress[ADDRESSES];
            byte[] first = target.source().getAddress();
            for (int i = 0; i < ADDRESSES; i++) {
                byte[] address = first.clone();
                address[3] = (byte) (address[3] + i);
                try {
                    sources[i] = InetAddress.getByAddress(address);
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            long[] ignored = new long[1];
            int next = 0;
            while (running()) {
                for (Iterator<RawClient> it = open.iterator(); it.hasNext(); ) {
                    RawClient c = it.next();
                    if (c.pollFrames((byte) 0, ignored)) {
                        closedByServer.incrementAndGet();
                        c.close();
                        it.remove();
                    }
                }
                notePeak(open.size());
                // A burst of 20 (one per address), then a pause: at most about 1,000 connects a second in all.
                for (int i = 0; i < ADDRESSES && open.size() < MAX_OPEN && running(); i++) {
                    connectAndHandshake(sources[next++ % ADDRESSES], 0, 1 << 20);
                }
                notePeak(open.size());
                RawClient.sleep(20);
            }
        }
    }
}
