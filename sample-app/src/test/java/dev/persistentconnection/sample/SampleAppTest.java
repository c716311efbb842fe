package dev.persistentconnection.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import dev.persistentconnection.sample.SseRecorder.Received;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sample end to end over real HTTP: the page and its API, health following the embedded quote server down and
 * back up within the retry delay, the tasks failing during the outage and resuming, the matching server-sent events
 * in order, the WebSocket connection and the connection where nothing listens.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SampleAppTest extends SampleAppTestSupport {

    private static final String QUOTES_HEALTH = "/actuator/health/persistentConnections/quotes";

    @Test
    void servesTheStatusPageAndItsApi() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("persistent-connection", "id=\"stop-server\"", "app.js");
        assertThat(get("/app.js").statusCode()).isEqualTo(200);

        HttpResponse<String> status = get("/api/status");
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<List<String>>read(status.body(), "$.connections[*].name"))
                .containsExactly("quotes", "nowhere", "echo");
        assertThat(JsonPath.<String>read(status.body(), "$.quoteServer.address"))
                .isEqualTo("127.0.0.1:" + QUOTE_SERVER_PORT);

        HttpResponse<String> endpoint = get("/actuator/persistentconnections");
        assertThat(endpoint.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<String>read(endpoint.body(), "$.connections.quotes.serverName"))
                .isEqualTo("quote-service");
    }

    @Test
    void healthFollowsTheQuoteServerDownAndBackUpWithinTheRetryDelay() throws Exception {
        try (SseRecorder sse = new SseRecorder(http, uri("/api/events"))) {
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> assertThat(get(QUOTES_HEALTH).statusCode()).isEqualTo(200));
            String health = get("/actuator/health").body();
            assertThat(JsonPath.<String>read(health, "$.components.persistentConnections.components.quotes.status"))
                    .isEqualTo("UP");
            assertThat(JsonPath.<String>read(
                            health, "$.components.persistentConnections.components.quotes.details.address"))
                    .isEqualTo("127.0.0.1:" + QUOTE_SERVER_PORT);
            assertThat(JsonPath.<String>read(
                            health, "$.components.persistentConnections.components.quotes.details.phase"))
                    .isEqualTo("CONNECTED");
            await().atMost(Duration.ofSeconds(15))
                    .untilAsserted(
                            () -> assertThat(get("/actuator/health/readiness").statusCode())
                                    .isEqualTo(200));
            await().atMost(Duration.ofSeconds(10)).until(() -> sse.status() == 200);
            assertThat(sse.contentType()).startsWith("text/event-stream");

            // The outage, through the app's own control.
            Instant stopRequestedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            HttpResponse<String> stopped = post("/api/quote-server/stop");
            assertThat(stopped.statusCode()).isEqualTo(200);
            assertThat(JsonPath.<Boolean>read(stopped.body(), "$.running")).isFalse();

            // DOWN comes with the Disconnected, lastError with the first refused attempt just after: wait for both.
            await().atMost(Duration.ofSeconds(15))
                    .ignoreException(PathNotFoundException.class)
                    .untilAsserted(() -> {
                        HttpResponse<String> down = get(QUOTES_HEALTH);
                        assertThat(down.statusCode()).isEqualTo(503);
                        assertThat(JsonPath.<String>read(down.body(), "$.status"))
                                .isEqualTo("DOWN");
                        assertThat(JsonPath.<String>read(down.body(), "$.details.lastError"))
                                .contains("127.0.0.1:" + QUOTE_SERVER_PORT)
                                .contains("refused");
                        assertThat(JsonPath.<Integer>read(down.body(), "$.details.consecutiveFailures"))
                                .isPositive();
                    });
            assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(503);
            String whole = get("/actuator/health").body();
            assertThat(JsonPath.<String>read(
                            whole, "$.components.persistentConnections.components.quotes.details.lastError"))
                    .contains("refused");

            // Typed calls fail at their deadline with the reason meanwhile.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(JsonPath.<List<String>>read(
                                    get("/api/status").body(), "$.tasks[?(@.ok == false)].message"))
                            .anySatisfy(message -> assertThat(message)
                                    .startsWith("quote-service unavailable: task code")
                                    .contains("deadline of 2000 ms exceeded waiting for the connection")
                                    .contains("refused")
                                    .contains("consecutive failures")));

            // Back up: the connection returns by itself within its retry delay.
            HttpResponse<String> started = post("/api/quote-server/start");
            Instant restartedAt = Instant.now();
            assertThat(JsonPath.<Boolean>read(started.body(), "$.running")).isTrue();
            await().atMost(recoveryBound("quotes"))
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(
                            () -> assertThat(get(QUOTES_HEALTH).statusCode()).isEqualTo(200));
            assertThat(JsonPath.<String>read(get(QUOTES_HEALTH).body(), "$.details.phase"))
                    .isEqualTo("CONNECTED");

            // The tasks resume by themselves.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(JsonPath.<List<String>>read(
                                    get("/api/status").body(), "$.tasks[?(@.ok == true)].at"))
                            .anySatisfy(at -> assertThat(Instant.parse(at)).isAfter(restartedAt)));

            // The stream delivered the story, in order.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<String> kinds = quotesEventsSinceStop(sse.events(), stopRequestedAt);
                assertThat(kinds)
                        .containsSubsequence("Disconnected", "Attempting_to_connect", "Failed_to_connect", "Connected");
                assertThat(kinds).last().isEqualTo("Connected");
                assertThat(kinds).filteredOn("Connected"::equals).hasSize(1);
            });
            List<Received> events = sse.events();
            assertThat(events).extracting(Received::id).isSorted().doesNotHaveDuplicates();
            assertThat(events)
                    .filteredOn(e -> "server".equals(e.type()))
                    .extracting(Received::kind)
                    .containsSubsequence("Server_stopping", "Server_stopped", "Server_started");
            assertThat(events)
                    .filteredOn(e -> "Failed_to_connect".equals(e.kind()) && "quotes".equals(e.connection()))
                    .last()
                    .extracting(Received::detail)
                    .asString()
                    .contains("refused");
        }
    }

    /** The kinds of the {@code quotes} connection events after this test's {@code Server_stopping}. */
    private static List<String> quotesEventsSinceStop(List<Received> events, Instant stopRequestedAt) {
        int stop = -1;
        for (int i = 0; i < events.size() && stop < 0; i++) {
            if ("Server_stopping".equals(events.get(i).kind())
                    && !Instant.parse(events.get(i).time()).isBefore(stopRequestedAt)) {
                stop = i;
            }
        }
        assertThat(stop).as("a Server_stopping event").isNotNegative();
        return events.subList(stop + 1, events.size()).stream()
                .filter(e -> "connection".equals(e.type()) && "quotes".equals(e.connection()))
                .map(Received::kind)
                .toList();
    }

    @Test
    void theWebSocketConnectionEchoesAndReconnectsWhenDropped() throws Exception {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String status = get("/api/status").body();
            assertThat(JsonPath.<List<String>>read(status, "$.connections[?(@.name == 'echo')].phase"))
                    .containsExactly("CONNECTED");
            assertThat(Json.read(status, "$.echo.reply", String.class)).startsWith("ping ");
        });
        String echo = get("/api/status").body();
        assertThat(JsonPath.<String>read(echo, "$.echo.reply")).isEqualTo(JsonPath.read(echo, "$.echo.sent"));
        assertThat(JsonPath.<List<String>>read(echo, "$.connections[?(@.name == 'echo')].address"))
                .containsExactly("ws://127.0.0.1:" + port + "/ws/echo");
        long connectsBefore = connections.managed("echo").statistics().successfulAttempts();

        try (SseRecorder sse = new SseRecorder(http, uri("/api/events"))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> sse.status() == 200);
            // Through the starter's endpoint: closes the WebSocket; the engine notices and reconnects.
            HttpResponse<String> drop = post("/actuator/persistentconnections/echo");
            assertThat(drop.statusCode()).isEqualTo(200);
            assertThat(JsonPath.<Boolean>read(drop.body(), "$.dropped")).isTrue();
            await().atMost(recoveryBound("echo").plusSeconds(5)).untilAsserted(() -> {
                assertThat(connections.managed("echo").statistics().successfulAttempts())
                        .isGreaterThan(connectsBefore);
                assertThat(get("/actuator/health/persistentConnections/echo").statusCode())
                        .isEqualTo(200);
            });
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(sse.events())
                            .filteredOn(e -> "echo".equals(e.connection()))
                            .extracting(Received::kind)
                            .containsSubsequence("Disconnected", "Attempting_to_connect", "Connected"));
        }
    }

    @Test
    void theStatusApiShowsTheNextAttemptAndTheOutageAndRetryNowSkipsTheWait() throws Exception {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String status = get("/api/status").body();
            assertThat(JsonPath.<List<Object>>read(
                            status, "$.connections[?(@.name == 'nowhere')].untilNextAttemptMillis"))
                    .singleElement()
                    .isNotNull();
            assertThat(JsonPath.<List<Object>>read(status, "$.connections[?(@.name == 'nowhere')].outageMillis"))
                    .singleElement()
                    .isNotNull();
        });
        long attemptsBefore = connections.managed("nowhere").statistics().failedAttempts();

        HttpResponse<String> retry = post("/actuator/persistentconnections/nowhere/retry-now");

        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(JsonPath.<String>read(retry.body(), "$.name")).isEqualTo("nowhere");
        if (JsonPath.<Boolean>read(retry.body(), "$.retried")) {
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(
                                    connections.managed("nowhere").statistics().failedAttempts())
                            .isGreaterThan(attemptsBefore));
        }
        assertThat(get("/").body()).contains("next attempt", "outage");
        assertThat(get("/app.js").body()).contains("retry-now");
    }

    @Test
    void nothingListensForTheNowhereConnectionAndItsRepeatedFailureIsReportedOnce() throws Exception {
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(
                                connections.managed("nowhere").statistics().failedAttempts())
                        .isGreaterThan(1));
        HttpResponse<String> nowhere = get("/actuator/health/persistentConnections/nowhere");
        assertThat(nowhere.statusCode()).isEqualTo(503);
        assertThat(JsonPath.<String>read(nowhere.body(), "$.details.lastError")).contains("127.0.0.1:1");
        assertThat(JsonPath.<Integer>read(nowhere.body(), "$.details.consecutiveFailures"))
                .isGreaterThan(1);

        try (SseRecorder sse = new SseRecorder(http, uri("/api/events"))) {
            // The replayed timeline: the same failure again and again is one Failed_to_connect event.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(sse.events())
                            .filteredOn(e -> "nowhere".equals(e.connection()))
                            .extracting(Received::kind)
                            .containsExactly("Attempting_to_connect", "Obtained_address", "Failed_to_connect"));
        }
    }
}
