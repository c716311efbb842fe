package dev.persistentconnection.spring.server;

import static dev.persistentconnection.spring.server.QuoteTaskController.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.spring.PersistentConnectionRegistration;
import dev.persistentconnection.spring.client.TaskCallException;
import dev.persistentconnection.spring.client.TaskDeadlineExceededException;
import dev.persistentconnection.spring.client.TaskErrorResponseException;
import dev.persistentconnection.spring.client.TaskTemplate;
import dev.persistentconnection.spring.server.QuoteTaskController.Quote;
import dev.persistentconnection.spring.server.QuoteTaskController.QuoteRequest;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClients;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * The task server and a client connection to it in one application: typed calls, streaming, error codes,
 * cancellation, deadlines, health, metrics and the endpoint.
 */
@SpringBootTest(
        properties = {
            "persistent-connection.server.enabled=true",
            "persistent-connection.server.port=0",
            "management.endpoints.web.exposure.include=health,taskserver",
            "persistent-connection.defaults.retry-delay=200ms",
            "persistent-connection.defaults.jitter=0",
            "persistent-connection.connections.quotes.deadline=10s",
            "persistent-connection.connections.down.addresses=127.0.0.1:1",
            "persistent-connection.connections.down.connect-timeout=1s"
        })
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskServerApplicationTest {

    @Autowired
    TaskTemplate quotesTaskTemplate;

    @Autowired
    TaskTemplate downTaskTemplate;

    @Autowired
    ManagedTaskServer taskServer;

    @Autowired
    QuoteTaskController controller;

    @Autowired
    Environment environment;

    @Autowired
    TaskServerHealthIndicator taskServerHealthContributor;

    @Autowired
    TaskServerEndpoint taskServerEndpoint;

    @Autowired
    MeterRegistry meterRegistry;

    @Test
    @SuppressWarnings("unchecked")
    void theEndpointListsTheHandlerMethodsWithTheirTypes() {
        List<Map<String, Object>> handlers =
                (List<Map<String, Object>>) taskServerEndpoint.taskServer().get("handlers");
        assertThat(handlers).extracting(h -> h.get("code")).isSorted().contains(QUOTE, ECHO, TICKS, WAIT_FOR_CANCEL);
        Map<Object, Map<String, Object>> byCode = new java.util.HashMap<>();
        handlers.forEach(h -> byCode.put(h.get("code"), h));
        String controllerClass = QuoteTaskController.class.getName();
        assertThat(byCode.get(QUOTE))
                .containsEntry("name", controllerClass + ".quote") // the bean is named by its class here
                .containsEntry("bean", controllerClass)
                .containsEntry("method", controllerClass + ".quote")
                .containsEntry("requestType", QuoteTaskController.QuoteRequest.class.getName())
                .containsEntry("responseType", QuoteTaskController.Quote.class.getName())
                .containsEntry("streaming", false);
        assertThat(byCode.get(TICKS))
                .containsEntry("responseType", QuoteTaskController.Quote.class.getName())
                .containsEntry("streaming", true);
        assertThat(byCode.get(PUBLISHED))
                .containsEntry("requestType", "java.lang.String")
                .containsEntry("responseType", "java.lang.String")
                .containsEntry("streaming", true);
        assertThat(byCode.get(RAW)).containsEntry("requestType", "byte[]").containsEntry("responseType", "byte[]");
        assertThat(byCode.get(WAIT_FOR_CANCEL))
                .containsEntry("requestType", "none")
                .containsEntry("responseType", "none")
                .containsEntry("streaming", false);
    }

    @Test
    void typedCallsBindJsonStringsAndBytes() {
        assertThat(quotesTaskTemplate.call(QUOTE, new QuoteRequest("ACME"), Quote.class))
                .isEqualTo(new Quote("ACME", 400));
        assertThat(quotesTaskTemplate.call(ECHO, "héllo", String.class)).isEqualTo("héllo");
        assertThat(quotesTaskTemplate.call(RAW, new byte[] {1, 2, 3}, byte[].class))
                .containsExactly(3, 2, 1);
        assertThat(quotesTaskTemplate.call(CLIENT, "", String.class)).contains("127.0.0.1");
    }

    @Test
    void streamedAnswersArriveElementByElement() throws Exception {
        List<Quote> ticks = new CopyOnWriteArrayList<>();
        quotesTaskTemplate.stream(TICKS, new QuoteRequest("ACME"), Quote.class, ticks::add)
                .get(10, TimeUnit.SECONDS);
        assertThat(ticks).containsExactly(new Quote("ACME", 1), new Quote("ACME", 2), new Quote("ACME", 3));
        List<String> published = new CopyOnWriteArrayList<>();
        quotesTaskTemplate.stream(PUBLISHED, "p", String.class, published::add).get(10, TimeUnit.SECONDS);
        assertThat(published).containsExactly("p0", "p1", "p2", "p3", "p4");
        List<String> words = new CopyOnWriteArrayList<>();
        quotesTaskTemplate.stream(ITERATED, "a b c", String.class, words::add).get(10, TimeUnit.SECONDS);
        assertThat(words).containsExactly("a", "b", "c");
    }

    @Test
    void exceptionsMapToErrorCodes() {
        assertThatThrownBy(() -> quotesTaskTemplate.call(QUOTE, new QuoteRequest("NONE"), Quote.class))
                .isInstanceOfSatisfying(TaskErrorResponseException.class, ex -> {
                    assertThat(ex.errorCode()).isEqualTo(7);
                    assertThat(ex.connection()).isEqualTo("quotes");
                    assertThat(ex).hasMessageContaining("unknown symbol NONE");
                });
        assertThatThrownBy(() -> quotesTaskTemplate.call(MAPPED_FAILURE, "x", String.class))
                .isInstanceOfSatisfying(
                        TaskErrorResponseException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(9));
        assertThatThrownBy(() -> quotesTaskTemplate.call(QUOTE, "not json", Quote.class))
                .isInstanceOfSatisfying(
                        TaskErrorResponseException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(TaskHandlerMethod.INVALID_PAYLOAD));
    }

    @Test
    void anUnmappedExceptionDropsThatClientOnly() {
        assertThatThrownBy(() -> quotesTaskTemplate.call(SERIOUS_FAILURE, "x", String.class))
                .isInstanceOf(TaskCallException.class)
                .hasMessageContaining("lost");
        // The connection comes back and serves again.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(quotesTaskTemplate.call(ECHO, "again", String.class))
                        .isEqualTo("again"));
    }

    @Test
    void cancellingACallCancelsTheTask() {
        controller.cancelled = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<String> call =
                quotesTaskTemplate.callAsync(WAIT_FOR_CANCEL, "", String.class, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(runningTasks()).isEqualTo(1));
        call.cancel(true);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(controller.cancelled.getCount()).isZero());
    }

    @Test
    void theDeadlineCoversTheTask() {
        assertThatThrownBy(() -> quotesTaskTemplate.call(WAIT_FOR_CANCEL, "", String.class, Duration.ofMillis(300)))
                .isInstanceOfSatisfying(TaskDeadlineExceededException.class, ex -> {
                    assertThat(ex.stage()).isEqualTo(TaskDeadlineExceededException.Stage.WAITING_FOR_ANSWER);
                    assertThat(ex.phase()).hasToString("CONNECTED");
                    assertThat(ex.deadline()).isEqualTo(Duration.ofMillis(300));
                });
        // The task at the server is cancelled.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(runningTasks()).isZero());
    }

    @Test
    void whileTheServerIsDownTheDeadlineSaysWhy() {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThatThrownBy(
                                () -> downTaskTemplate.call(ECHO, "x", String.class, Duration.ofMillis(200)))
                        .isInstanceOfSatisfying(TaskDeadlineExceededException.class, ex -> {
                            assertThat(ex.connection()).isEqualTo("down");
                            assertThat(ex.stage())
                                    .isEqualTo(TaskDeadlineExceededException.Stage.WAITING_FOR_CONNECTION);
                            assertThat(ex.consecutiveFailures()).isPositive();
                            assertThat(ex.lastError()).isPresent();
                            assertThat(ex.phase()).hasToString("WAITING_TO_RETRY");
                            assertThat(ex.nextAttemptAt()).isPresent();
                            assertThat(ex).hasMessageContaining("next attempt at");
                            assertThat(ex)
                                    .hasMessageContaining("'down'")
                                    .hasMessageContaining("last error")
                                    .hasMessageContaining("consecutive failures");
                        }));
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePortIsPublishedAndHealthEndpointAndMetersDescribeTheServer() {
        assertThat(environment.getProperty("local.persistent-connection.server.port", Integer.class))
                .isEqualTo(taskServer.port())
                .isPositive();
        assertThat(taskServer.localAddress().orElseThrow().getAddress().getHostAddress())
                .isEqualTo("127.0.0.1");
        quotesTaskTemplate.call(ECHO, "warm", String.class);
        Health health = taskServerHealthContributor.health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails())
                .containsEntry("address", "127.0.0.1:" + taskServer.port())
                .containsKeys("clients", "tasksInFlight");
        Map<String, Object> endpoint = taskServerEndpoint.taskServer();
        assertThat(endpoint).containsEntry("running", true);
        assertThat((List<Object>) endpoint.get("taskCodes")).contains(QUOTE, ECHO, TICKS);
        assertThat((List<?>) endpoint.get("clients")).isNotEmpty();
        assertThat(meterRegistry
                        .get("persistent-connection.server.clients")
                        .gauge()
                        .value())
                .isPositive();
        assertThat(meterRegistry
                        .get("persistent-connection.server.bytes")
                        .tag("direction", "in")
                        .functionCounter()
                        .count())
                .isPositive();
        assertThat(meterRegistry
                        .get("persistent-connection.server.task")
                        .tag("code", String.valueOf(ECHO))
                        .tag("outcome", "success")
                        .timer()
                        .count())
                .isPositive();
        assertThat(meterRegistry
                        .get("persistent-connection.client.call")
                        .tag("connection", "quotes")
                        .tag("outcome", "success")
                        .timer()
                        .count())
                .isPositive();
        assertThat(meterRegistry
                        .get("persistent-connection.connect")
                        .tag("connection", "quotes")
                        .tag("outcome", "success")
                        .timer()
                        .count())
                .isPositive();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(meterRegistry
                                .get("persistent-connection.connect")
                                .tag("connection", "down")
                                .tag("outcome", "failure")
                                .timer()
                                .count())
                        .isPositive());
    }

    private int runningTasks() {
        return taskServer.clients().stream().mapToInt(c -> c.tasks().size()).sum();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(QuoteTaskController.class)
    static class Config {

        /** The quotes connection goes to this application's own task server, on whatever port it bound. */
        @Bean
        PersistentConnectionRegistration<InetSocketAddress, TaskClient> quotes(
                ObjectProvider<ManagedTaskServer> server) {
            return PersistentConnectionRegistration.<InetSocketAddress, TaskClient>forConnection("quotes")
                    .addressSupplier(() -> CompletableFuture.completedFuture(new InetSocketAddress(
                            "127.0.0.1", server.getObject().port())))
                    .connectorFactory(settings -> TaskClients.connector())
                    .lifecycle(TaskClients.lifecycle())
                    .build();
        }

        @Bean
        TaskExceptionMapper illegalArgumentIsNine() {
            return ex -> ex instanceof IllegalArgumentException ? OptionalInt.of(9) : OptionalInt.empty();
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
