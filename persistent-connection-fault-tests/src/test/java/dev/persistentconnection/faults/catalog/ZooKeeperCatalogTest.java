package dev.persistentconnection.faults.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.faults.kernel.Child;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.server.ManagedTaskServer;
import dev.persistentconnection.spring.server.TaskController;
import dev.persistentconnection.spring.server.TaskMapping;
import dev.persistentconnection.tasks.TaskClient;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * The motivating case of a persistent connection with a real catalog: task servers in other JVM processes publish
 * their location in a real ZooKeeper (Curator's in-process {@link TestingServer}) through Spring Cloud's
 * {@code ZookeeperServiceRegistry}; a Spring Boot application with the starter and Spring Cloud ZooKeeper
 * discovery has a connection with {@code discovery.service-id} and no address, which looks the service up before
 * every attempt. The server it uses is killed (SIGKILL: no deregistration, the registration stays until its
 * ZooKeeper session expires); the connection moves to the other server within the retry delay plus the session
 * timeout. A server registered after the start is found the same way when the second one dies. And the
 * auto-configured task server of another application publishes itself the same way
 * ({@code persistent-connection.server.registration.service-id}) and withdraws before its graceful stop.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZooKeeperCatalogTest {

    static final String SERVICE = "quotes";
    static final Duration RETRY_DELAY = Duration.ofMillis(300);
    static final Duration SESSION_TIMEOUT = Duration.ofMillis(2000);
    static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(100);
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(600);
    static final long SLACK_MILLIS = 500;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class CatalogClientApp {}

    @Test
    void theConnectionFollowsTheCatalogWhenItsServerDies() throws Exception {
        List<Child> servers = new ArrayList<>();
        try (TestingServer zookeeper = zookeeper()) {
            String connect = zookeeper.getConnectString();
            Child first = register(servers, "catalog-a", connect);
            Child second = register(servers, "catalog-b", connect);
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(CatalogClientApp.class)
                    .web(WebApplicationType.NONE)
                    .run(clientArguments(connect, SERVICE))) {
                DiscoveryClient discovery = context.getBean(DiscoveryClient.class);
                assertThat(ports(discovery)).containsExactlyInAnyOrder(first.port, second.port);
                PersistentConnection<InetSocketAddress, TaskClient> quotes =
                        context.getBean(PersistentConnections.class).get("quotes");
                TaskClient client = quotes.connected().get(20, TimeUnit.SECONDS);
                assertThat(client.submit(1, new byte[] {1}).get(5, TimeUnit.SECONDS))
                        .containsExactly(1);
                Child used = client.remoteAddress().getPort() == first.port ? first : second;
                Child other = used == first ? second : first;
                Thread.sleep(RETRY_DELAY.toMillis() + 100);

                long killed = System.nanoTime();
                used.process.destroyForcibly(); // SIGKILL: no deregistration
                await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> port(quotes).equals(Optional.of(other.port)));
                long failover = millis(System.nanoTime() - killed);
                await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> !ports(discovery).contains(used.port));
                long deregistered = millis(System.nanoTime() - killed);
                TaskClient next = quotes.connected().get(5, TimeUnit.SECONDS);
                assertThat(next.submit(1, new byte[] {2}).get(5, TimeUnit.SECONDS))
                        .containsExactly(2);

                // A server registered now, which the application has never heard of, is found at the next attempt.
                Child third = register(servers, "catalog-c", connect);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> ports(discovery).contains(third.port));
                Thread.sleep(RETRY_DELAY.toMillis() + 100);
                long killedAgain = System.nanoTime();
                other.process.destroyForcibly();
                await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> port(quotes).equals(Optional.of(third.port)));
                long failoverToNew = millis(System.nanoTime() - killedAgain);

                String line = String.format(
                        "ZooKeeper catalog: the used server SIGKILLed; the connection on the "
                                + "other server after %d ms, its registration gone after %d ms; to a server registered "
                                + "later after %d ms (retry delay %d ms, session timeout %d ms)",
                        failover, deregistered, failoverToNew, RETRY_DELAY.toMillis(), SESSION_TIMEOUT.toMillis());
                System.out.println("[catalog] " + line);
                Path out = Path.of("target", "catalog-failover.txt");
                Files.writeString(
                        out, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);

                long bound = RETRY_DELAY.toMillis() + SESSION_TIMEOUT.toMillis() + SLACK_MILLIS;
                assertThat(failover).isLessThanOrEqualTo(bound);
                assertThat(failoverToNew).isLessThanOrEqualTo(bound);
                assertThat(deregistered)
                        .as("the dead server's registration goes with its session")
                        .isLessThanOrEqualTo(SESSION_TIMEOUT.toMillis() * 3 + SLACK_MILLIS);
            }
        } finally {
            for (Child c : servers) {
                c.close();
            }
        }
    }

    /** The auto-configured server's handlers: an echo, and a task that holds until released. */
    @TaskController
    static class EchoController {
        static final CountDownLatch HELD = new CountDownLatch(1);
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        @TaskMapping(code = 1)
        public byte[] echo(byte[] payload) {
            return payload;
        }

        @TaskMapping(code = 2)
        public byte[] hold(byte[] payload) throws InterruptedException {
            HELD.countDown();
            RELEASE.await(20, TimeUnit.SECONDS);
            return payload;
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(EchoController.class)
    static class CatalogServerApp {}

    @Test
    void theAutoConfiguredServerPublishesItselfAndWithdrawsBeforeItsGracefulStop() throws Exception {
        try (TestingServer zookeeper = zookeeper()) {
            String connect = zookeeper.getConnectString();
            ConfigurableApplicationContext serverApp = new SpringApplicationBuilder(CatalogServerApp.class)
                    .web(WebApplicationType.NONE)
                    .run(autoConfiguredServerArguments(
                            connect, "auto-quotes", "--spring.lifecycle.timeout-per-shutdown-phase=10s"));
            Thread closing = null;
            try (ConfigurableApplicationContext clientApp = new SpringApplicationBuilder(CatalogClientApp.class)
                    .web(WebApplicationType.NONE)
                    .run(clientArguments(connect, "auto-quotes"))) {
                ManagedTaskServer server = serverApp.getBean(ManagedTaskServer.class);
                DiscoveryClient discovery = clientApp.getBean(DiscoveryClient.class);
                assertThat(ports(discovery, "auto-quotes")).containsExactly(server.port());
                TaskClient client = clientApp
                        .getBean(PersistentConnections.class)
                        .<InetSocketAddress, TaskClient>get("quotes")
                        .connected()
                        .get(20, TimeUnit.SECONDS);
                assertThat(client.remoteAddress().getPort()).isEqualTo(server.port());
                assertThat(client.submit(1, new byte[] {3}).get(5, TimeUnit.SECONDS))
                        .containsExactly(3);

                // A task in flight makes the graceful stop wait: the registration must be gone before it ends.
                var held = client.submit(2, new byte[] {4});
                assertThat(EchoController.HELD.await(10, TimeUnit.SECONDS)).isTrue();
                closing = new Thread(serverApp::close, "server-app-close");
                closing.start();
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> ports(discovery, "auto-quotes").isEmpty());
                assertThat(server.isRunning())
                        .as("still serving its last task when withdrawn")
                        .isTrue();
                assertThat(held).isNotDone();
                EchoController.RELEASE.countDown();
                assertThat(held.get(10, TimeUnit.SECONDS)).containsExactly(4);
                closing.join(20_000);
                assertThat(server.isRunning()).isFalse();
            } finally {
                EchoController.RELEASE.countDown();
                if (closing == null) {
                    serverApp.close();
                } else {
                    closing.join(20_000);
                }
            }
        }
    }

    @Test
    void aServerRestartedWhileTheApplicationRunsPublishesItselfAgain() throws Exception {
        try (TestingServer zookeeper = zookeeper()) {
            String connect = zookeeper.getConnectString();
            try (ConfigurableApplicationContext serverApp = new SpringApplicationBuilder(CatalogServerApp.class)
                            .web(WebApplicationType.NONE)
                            .run(autoConfiguredServerArguments(connect, "restarted-quotes"));
                    ConfigurableApplicationContext clientApp = new SpringApplicationBuilder(CatalogClientApp.class)
                            .web(WebApplicationType.NONE)
                            .run(clientArguments(connect, "restarted-quotes"))) {
                ManagedTaskServer server = serverApp.getBean(ManagedTaskServer.class);
                DiscoveryClient discovery = clientApp.getBean(DiscoveryClient.class);
                assertThat(ports(discovery, "restarted-quotes")).containsExactly(server.port());

                server.stop(); // not the context: the application keeps running
                assertThat(server.isRunning()).isFalse();
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(ports(discovery, "restarted-quotes"))
                                .as("withdrawn")
                                .isEmpty());
                server.start();
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() ->
                                assertThat(ports(discovery, "restarted-quotes")).containsExactly(server.port()));

                // And a client that finds it through the catalog is served by the restarted server.
                PersistentConnection<InetSocketAddress, TaskClient> quotes =
                        clientApp.getBean(PersistentConnections.class).get("quotes");
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    TaskClient client = quotes.connected().get(20, TimeUnit.SECONDS);
                    assertThat(client.submit(1, new byte[] {6}).get(5, TimeUnit.SECONDS))
                            .containsExactly(6);
                });
            }
        }
    }

    private static Child register(List<Child> servers, String name, String zookeeper) throws Exception {
        Child child =
                Child.registered(name, zookeeper, SERVICE, SESSION_TIMEOUT, HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT);
        servers.add(child);
        return child.warmUp();
    }

    /** Spring Cloud ZooKeeper switched on (the module's application.properties switch it off for the others). */
    private static List<String> zookeeperArguments(String connect) {
        return List.of(
                "--spring.main.banner-mode=off",
                "--spring.cloud.compatibility-verifier.enabled=false",
                "--logging.level.org.apache.zookeeper=WARN",
                "--logging.level.org.apache.curator=WARN",
                "--spring.cloud.zookeeper.enabled=true",
                "--spring.cloud.discovery.enabled=true",
                "--spring.cloud.zookeeper.connect-string=" + connect,
                "--spring.cloud.zookeeper.discovery.register=false",
                // Spring Cloud's own auto-registration needs a web server (Boot 4's spring-boot-web-server module).
                "--spring.cloud.service-registry.auto-registration.enabled=false");
    }

    /**
     * A ZooKeeper of its own in a new directory: on 127.0.0.1 only (it would listen on every interface), with a short
     * tick so that it accepts a 2 s session (its minimum is two ticks).
     */
    private static TestingServer zookeeper() throws Exception {
        File data = Files.createTempDirectory("zookeeper").toFile();
        InstanceSpec spec = new InstanceSpec(
                data, -1, -1, -1, true, -1, 100, 100, java.util.Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1");
        return new TestingServer(spec, true);
    }

    /** An application with the auto-configured task server on a free port, published as {@code serviceId}. */
    private static String[] autoConfiguredServerArguments(String connect, String serviceId, String... more) {
        List<String> arguments = new ArrayList<>(zookeeperArguments(connect));
        arguments.addAll(List.of(
                "--persistent-connection.server.enabled=true",
                "--persistent-connection.server.port=0",
                "--persistent-connection.server.registration.service-id=" + serviceId));
        arguments.addAll(List.of(more));
        return arguments.toArray(String[]::new);
    }

    /**
     * The client application's arguments (command-line arguments win over the module's application.properties): one
     * connection, {@code quotes}, to the service, and no address.
     */
    private static String[] clientArguments(String connect, String service) {
        List<String> arguments = new ArrayList<>(zookeeperArguments(connect));
        arguments.addAll(List.of(
                "--persistent-connection.connections.quotes.discovery.service-id=" + service,
                "--persistent-connection.connections.quotes.retry-delay=" + RETRY_DELAY.toMillis() + "ms",
                "--persistent-connection.connections.quotes.jitter=0",
                "--persistent-connection.connections.quotes.connect-timeout=500ms",
                "--persistent-connection.connections.quotes.heartbeat.interval=" + HEARTBEAT_INTERVAL.toMillis() + "ms",
                "--persistent-connection.connections.quotes.heartbeat.timeout=" + HEARTBEAT_TIMEOUT.toMillis() + "ms"));
        return arguments.toArray(String[]::new);
    }

    private static List<Integer> ports(DiscoveryClient discovery) {
        return ports(discovery, SERVICE);
    }

    private static List<Integer> ports(DiscoveryClient discovery, String service) {
        return discovery.getInstances(service).stream()
                .map(ServiceInstance::getPort)
                .toList();
    }

    private static Optional<Integer> port(PersistentConnection<InetSocketAddress, TaskClient> connection) {
        return connection
                .currentConnection()
                .filter(c -> !c.isClosed())
                .map(c -> c.remoteAddress().getPort());
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
