package dev.persistentconnection.faults.kernel;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.Randomization;
import dev.persistentconnection.faults.catalog.Catalog;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The other process of {@link KernelFaultsTest}, started with the test's class path. Two modes:
 * <ul>
 * <li>{@code server PORT INTERVAL_MS TIMEOUT_MS}: a {@link TaskServer} (echo on code 1) on 127.0.0.1:PORT
 * (0 for any); prints {@code LISTENING port}. Killed or frozen by the test.</li>
 * <li>{@code registered PORT INTERVAL_MS TIMEOUT_MS ZOOKEEPER SERVICE_ID SESSION_MS}: the same server, which then
 * publishes its address in ZooKeeper under SERVICE_ID through Spring Cloud's {@code ZookeeperServiceRegistry} (an
 * ephemeral node of a session of SESSION_MS: when the process dies, the registration goes with the session); prints
 * {@code REGISTERED port}.</li>
 * <li>{@code pair INTERVAL_MS TIMEOUT_MS RETRY_MS CONNECT_MS}: the server and a persistent connection to it in this
 * one process (for a network namespace, where the test's own JVM cannot go); prints {@code EVENT name nanos} for
 * every event and answers {@code MARK} on stdin with {@code MARK nanos}, so that the test measures times on this
 * process's clock.</li>
 * </ul>
 * Either way the process ends when its stdin closes (the test's end), so that it cannot outlive the test.
 */
public final class ChildProcess {
    private ChildProcess() {}

    public static void main(String[] args) throws Exception {
        boolean pair = args[0].equals("pair");
        Duration interval = Duration.ofMillis(Long.parseLong(args[pair ? 1 : 2]));
        Duration timeout = Duration.ofMillis(Long.parseLong(args[pair ? 2 : 3]));
        int port = pair ? 0 : Integer.parseInt(args[1]);
        TaskServer server = TaskServer.builder()
                .port(port)
                .heartbeatInterval(interval)
                .heartbeatTimeout(timeout)
                .taskThreads(2)
                .ioThreads(1)
                .build();
        server.register(1, TaskHandler.of(payload -> payload), "echo");
        server.start();
        System.out.println("LISTENING " + server.port());
        System.out.flush();
        PersistentConnection<InetSocketAddress, TaskClient> connection = null;
        TaskConnector connector = null;
        AutoCloseable registration = null;
        if (args[0].equals("registered")) {
            registration = Catalog.register(args[4], Integer.parseInt(args[6]), args[5], server.port());
            System.out.println("REGISTERED " + server.port());
            System.out.flush();
        }
        if (pair) {
            Duration retry = Duration.ofMillis(Long.parseLong(args[3]));
            Duration connect = Duration.ofMillis(Long.parseLong(args[4]));
            connector = TaskClients.connector(TaskClientOptions.builder()
                    .connectTimeout(connect)
                    .heartbeatInterval(interval)
                    .heartbeatTimeout(timeout)
                    .build());
            connection = PersistentConnection.builder(
                            "pair", AddressSuppliers.fixed(server.localAddress()), connector, TaskClients.lifecycle())
                    .retryDelay(() -> retry)
                    .randomization(Randomization.nonRandom())
                    .onEvent(ChildProcess::print)
                    .build();
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.equals("MARK")) {
                synchronized (ChildProcess.class) {
                    System.out.println("MARK " + System.nanoTime());
                    System.out.flush();
                }
            }
        }
        if (connection != null) {
            connection.closeAsync().toCompletableFuture().get();
            connector.close();
        }
        if (registration != null) {
            registration.close();
        }
        server.stop();
        System.exit(0);
    }

    private static CompletableFuture<Void> print(ConnectionEvent<InetSocketAddress, TaskClient> event) {
        synchronized (ChildProcess.class) {
            System.out.println("EVENT " + event.getClass().getSimpleName() + " " + System.nanoTime());
            System.out.flush();
        }
        return CompletableFuture.completedFuture(null);
    }
}
