package dev.persistentconnection.sample;

import dev.persistentconnection.spring.PersistentConnectionSettings;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.test.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application as it ships (its {@code application.yml}), on a free HTTP port and a free port for the
 * embedded quote server, both on 127.0.0.1. The test classes extending this share one application context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
abstract class SampleAppTestSupport {

    /** Known before the app starts (the {@code quotes} connection's address) and kept across stop and start. */
    static final int QUOTE_SERVER_PORT = FreePorts.outsideTheEphemeralRange();

    /** A defined port, not a random one: the zero-code echo connection's URI names it (server.port). */
    static final int HTTP_PORT = FreePorts.outsideTheEphemeralRange();

    @DynamicPropertySource
    static void quoteServerPort(DynamicPropertyRegistry registry) {
        registry.add("sample.quote-server.port", () -> QUOTE_SERVER_PORT);
        registry.add("server.port", () -> HTTP_PORT);
    }

    @LocalServerPort
    int port;

    @Autowired
    PersistentConnections connections;

    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The longest a connection can take to come back once its server is up again: the rest of its retry delay
     * (at most {@code retry-delay x (1 + jitter)}), then one attempt of at most {@code connect-timeout}.
     */
    Duration recoveryBound(String connection) {
        PersistentConnectionSettings settings = connections.managed(connection).settings();
        long delay = (long) Math.ceil(settings.retryDelay().toMillis() * (1 + settings.jitter()));
        return Duration.ofMillis(delay).plus(settings.connectTimeout());
    }
}
