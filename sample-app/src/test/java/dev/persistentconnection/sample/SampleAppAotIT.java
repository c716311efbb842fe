package dev.persistentconnection.sample;

import static dev.persistentconnection.sample.Json.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.test.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sample application as the build packaged it, after {@code process-aot}, started the way a user would start it
 * ahead of time: {@code java -Dspring.aot.enabled=true -jar target/sample-app.jar}. It must say it runs the
 * AOT-processed application, get its connections' health UP, answer a task over the {@code quotes} connection,
 * connect the WebSocket connection, and stop cleanly on SIGTERM.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SampleAppAotIT {

    private static final Pattern STATUS_PAGE = Pattern.compile("Status page: http://127\\.0\\.0\\.1:(\\d+)/");

    private final Path log = Path.of("target", "sample-app-aot.log");
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process app;

    @AfterEach
    void stopTheApplication() throws InterruptedException {
        if (app != null && app.isAlive()) {
            app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void theAotProcessedJarStartsServesAndStopsCleanly() throws Exception {
        Path jar = Path.of("target", "sample-app.jar");
        assertThat(jar).as("run 'mvn verify' (or package) first").exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int quoteServerPort = FreePorts.outsideTheEphemeralRange();
        // A defined HTTP port: the zero-code echo connection's URI names server.port.
        int httpPort = FreePorts.outsideTheEphemeralRange();
        app = new ProcessBuilder(
                        java,
                        "-Dspring.aot.enabled=true",
                        "-jar",
                        jar.toString(),
                        "--server.port=" + httpPort,
                        "--sample.quote-server.port=" + quoteServerPort)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();

        int port = await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(this::statusPagePort, p -> p > 0);
        assertThat(output()).contains("Starting AOT-processed SampleApplication");

        // Health: readiness follows the two connections the app needs (quotes and echo).
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(
                        () -> assertThat(get(port, "/actuator/health/readiness").statusCode())
                                .isEqualTo(200));
        assertThat(get(port, "/actuator/health/persistentConnections/quotes").statusCode())
                .isEqualTo(200);

        // A task answered over the zero-code TaskClient connection, and the WebSocket connection's echo.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String status = get(port, "/api/status").body();
            assertThat(read(status, "$.tasks[?(@.ok == true)].message", List.class))
                    .isNotEmpty();
            assertThat(read(status, "$.connections[?(@.name == 'echo')].phase", List.class))
                    .containsExactly("CONNECTED");
            assertThat(read(status, "$.echo.reply", String.class)).startsWith("ping ");
        });

        // SIGTERM: Spring's shutdown hook stops the web server, then closes the connections; nothing complains.
        int linesBeforeStop = output().split("\n").length;
        app.destroy();
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
        assertThat(app.exitValue()).as("exit status after SIGTERM").isEqualTo(143);
        List<String> shutdown = List.of(output().split("\n")).subList(linesBeforeStop, output().split("\n").length);
        assertThat(shutdown)
                .noneMatch(line -> line.contains(" ERROR ") || line.contains(" WARN ") || line.contains("Exception"));
        assertThat(shutdown)
                .anyMatch(line -> line.contains("Persistent connection 'quotes'") && line.endsWith("Disconnected"));
        try (ServerSocket again = new ServerSocket(quoteServerPort, 1, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort())
                    .as("the task server's port is free again")
                    .isEqualTo(quoteServerPort);
        }
    }

    private int statusPagePort() throws IOException {
        assertThat(app.isAlive())
                .as("the application is running; its output:%n%s", output())
                .isTrue();
        Matcher matcher = STATUS_PAGE.matcher(output());
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
    }

    private String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
