package dev.persistentconnection.faults.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ChildProcess} started by a test: its stdout lines as they come, signals by pid, and a close that always
 * ends it (SIGCONT first if frozen, then SIGKILL). Its stderr goes to {@code target/child-NAME.log}.
 */
public final class Child implements AutoCloseable {
    public final Process process;
    public final int port;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;
    private boolean frozen;

    private Child(Process process) throws IOException, InterruptedException {
        this.process = process;
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        reader = new Thread(
                () -> {
                    try {
                        for (String line = out.readLine(); line != null; line = out.readLine()) {
                            lines.add(line);
                        }
                    } catch (IOException ignored) {
                        // the process ended
                    }
                },
                "child-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        String listening = next("LISTENING", 60);
        if (listening == null) {
            close();
            throw new IOException("the child process did not start its server within 60 s");
        }
        port = Integer.parseInt(listening.split(" ")[1]);
    }

    /** Starts a child JVM with this JVM's class path, behind {@code prefix} (e.g. {@code ip netns exec NS}). */
    static Child start(String name, List<String> prefix, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(
                "-Xmx64m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                ChildProcess.class.getName()));
        command.addAll(List.of(args));
        Path log = Path.of("target", "child-" + name + ".log");
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new Child(p);
    }

    /**
     * A task server that registers in ZooKeeper under {@code serviceId} with a session of {@code session}
     * (Spring Cloud's registry); returns once it is registered.
     */
    public static Child registered(
            String name,
            String zookeeper,
            String serviceId,
            java.time.Duration session,
            java.time.Duration heartbeatInterval,
            java.time.Duration heartbeatTimeout)
            throws IOException, InterruptedException {
        Child child = start(
                name,
                List.of(),
                "registered",
                "0",
                String.valueOf(heartbeatInterval.toMillis()),
                String.valueOf(heartbeatTimeout.toMillis()),
                zookeeper,
                serviceId,
                String.valueOf(session.toMillis()));
        if (child.next("REGISTERED", 60) == null) {
            child.close();
            throw new IOException("the child process did not register within 60 s (see target/child-" + name + ".log)");
        }
        return child;
    }

    /**
     * Runs a few tasks on the child's server from a connection of its own: a JVM just started loads and compiles
     * its accept and handshake paths slowly enough to miss a 500 ms connect timeout on a loaded machine, and a
     * server in production is warm.
     */
    public Child warmUp() throws Exception {
        try (dev.persistentconnection.tasks.TaskConnector connector =
                        dev.persistentconnection.tasks.TaskClients.connector();
                dev.persistentconnection.tasks.TaskClient client = connector
                        .connect(new java.net.InetSocketAddress("127.0.0.1", port))
                        .get(20, TimeUnit.SECONDS)) {
            for (int i = 0; i < 50; i++) {
                client.submit(1, new byte[] {(byte) i}).get(10, TimeUnit.SECONDS);
            }
        }
        return this;
    }

    /** The next stdout line starting with {@code prefix}, or null after {@code seconds}. */
    String next(String prefix, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** The child's clock at the moment it read our MARK. */
    long mark() throws IOException, InterruptedException {
        OutputStream in = process.getOutputStream();
        in.write("MARK\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        String line = next("MARK", 10);
        if (line == null) {
            throw new IOException("no MARK answer");
        }
        return Long.parseLong(line.split(" ")[1]);
    }

    void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
        if (signal.equals("STOP")) {
            frozen = true;
            awaitEveryThreadStopped();
        } else if (signal.equals("CONT")) {
            frozen = false;
        }
    }

    /**
     * Waits until every thread of the process is stopped. {@code kill -STOP} returns once the signal is queued; the
     * thread the kernel picks to take it must then be scheduled before the whole group stops, and on a loaded machine
     * the other threads (the server's event loop among them) can meanwhile read a task and answer it.
     */
    private void awaitEveryThreadStopped() throws IOException, InterruptedException {
        Path tasks = Path.of("/proc", String.valueOf(process.pid()), "task");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String running = "";
        while (System.nanoTime() - deadline < 0) {
            running = runningThreads(tasks);
            if (running.isEmpty()) {
                return;
            }
            Thread.sleep(1);
        }
        throw new IOException("kill -STOP " + process.pid() + ": threads still running after 10 s: " + running);
    }

    /** The threads not in state T (stopped), as "tid:state" pairs; empty when the whole process is stopped. */
    private static String runningThreads(Path tasks) throws IOException {
        StringBuilder running = new StringBuilder();
        List<Path> threads;
        try (var list = Files.list(tasks)) {
            threads = list.toList();
        }
        for (Path thread : threads) {
            String stat;
            try {
                stat = Files.readString(thread.resolve("stat"));
            } catch (java.nio.file.NoSuchFileException ended) {
                continue;
            }
            // "tid (comm) S ...": the name may hold spaces and parentheses, the state follows the last ')'.
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            if (state != 'T' && state != 't') {
                running.append(' ').append(thread.getFileName()).append(':').append(state);
            }
        }
        return running.toString().trim();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (frozen && process.isAlive()) {
            signal("CONT");
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(5000);
    }
}
