package dev.persistentconnection.spring.readme;

import dev.persistentconnection.ConnectionLifecycle;
import dev.persistentconnection.spring.PersistentConnectionRegistration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

// README: "Custom connector" example, kept compiling and tested by ReadmeCustomConnectorTest.
@Configuration(proxyBeanMethods = false)
public class QuotesConnectionConfiguration {

    /** The connection type: the JDK WebSocket plus a future that completes when it is gone. */
    public record QuotesSession(WebSocket socket, CompletableFuture<Void> closed) {}

    /** Received quotes (a real application would hand them to its domain code). */
    public static final List<String> QUOTES = new CopyOnWriteArrayList<>();

    @Bean
    PersistentConnectionRegistration<URI, QuotesSession> quotesConnection() {
        HttpClient http = HttpClient.newHttpClient();
        return PersistentConnectionRegistration.<URI, QuotesSession>forConnection("quotes")
                // persistent-connection.connections.quotes.addresses (host:port) become ws:// URIs
                .addressMapper(
                        address -> URI.create("ws://" + address.getHostString() + ":" + address.getPort() + "/quotes"))
                .connectorFactory(settings -> (uri, context) -> {
                    CompletableFuture<Void> closed = new CompletableFuture<>();
                    return http.newWebSocketBuilder()
                            .connectTimeout(settings.connectTimeout())
                            .buildAsync(uri, new QuotesListener(closed))
                            .thenApply(socket -> new QuotesSession(socket, closed));
                })
                .lifecycle(new QuotesLifecycle())
                .build();
    }

    static final class QuotesListener implements WebSocket.Listener {

        private final CompletableFuture<Void> closed;

        QuotesListener(CompletableFuture<Void> closed) {
            this.closed = closed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            QUOTES.add(data.toString());
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            closed.complete(null); // the server closed: the engine publishes Disconnected and reconnects
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            closed.complete(null); // connection lost
        }
    }

    static final class QuotesLifecycle implements ConnectionLifecycle<QuotesSession> {

        @Override
        public CompletionStage<Void> close(QuotesSession session) {
            session.socket()
                    .sendClose(WebSocket.NORMAL_CLOSURE, "bye")
                    .orTimeout(2, TimeUnit.SECONDS)
                    .whenComplete((socket, error) -> {
                        session.socket().abort();
                        session.closed().complete(null);
                    });
            return session.closed();
        }

        @Override
        public boolean isClosed(QuotesSession session) {
            return session.closed().isDone() || session.socket().isOutputClosed();
        }

        @Override
        public CompletionStage<Void> closeFinished(QuotesSession session) {
            return session.closed();
        }
    }
}
