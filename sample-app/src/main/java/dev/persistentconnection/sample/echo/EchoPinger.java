package dev.persistentconnection.sample.echo;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.transports.Message;
import dev.persistentconnection.transports.MessageHandler;
import dev.persistentconnection.transports.MessageSession;
import dev.persistentconnection.transports.WebSocketSession;
import java.net.URI;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Every two seconds, sends a text over the {@code echo} WebSocket connection and records the echo. The
 * connection itself is zero-code ({@code persistent-connection.connections.echo.websocket.*} in application.yml);
 * this bean is its {@link MessageHandler}, bound by the qualifier {@code echo}.
 */
@Component
@Qualifier("echo")
public class EchoPinger implements MessageHandler {

    private static final Logger log = LoggerFactory.getLogger(EchoPinger.class);

    /**
     * The last exchange.
     *
     * @param sent     what was sent
     * @param reply    the echo, or null
     * @param error    why there was no echo, or null
     * @param micros   the round trip in microseconds (0 without an echo)
     * @param at       when it ended
     */
    public record Exchange(String sent, String reply, String error, long micros, Instant at) {}

    private final PersistentConnection<URI, WebSocketSession> echo;
    private final AtomicLong count = new AtomicLong();
    /** Replies arrive in the order the texts were sent: one waiting future per text in flight. */
    private final Queue<CompletableFuture<String>> waiting = new ConcurrentLinkedQueue<>();

    private volatile Exchange last;

    public EchoPinger(@Qualifier("echo") PersistentConnection<URI, WebSocketSession> echo) {
        this.echo = echo;
    }

    @Override
    public void onOpen(MessageSession session) {
        // Replies of a connection that is gone will never come.
        CompletableFuture<String> stale;
        while ((stale = waiting.poll()) != null) {
            stale.completeExceptionally(new IllegalStateException("the connection was replaced"));
        }
    }

    @Override
    public void onMessage(MessageSession session, Message message) {
        CompletableFuture<String> reply = waiting.poll();
        if (reply != null) {
            reply.complete(message.text());
        }
    }

    @Scheduled(initialDelay = 1000, fixedRate = 2000)
    public void ping() {
        String text = "ping " + count.incrementAndGet();
        WebSocketSession session = echo.currentConnection().orElse(null);
        if (session == null || session.isClosed()) {
            last = new Exchange(text, null, "not connected: " + echo.state().phase(), 0, Instant.now());
            return;
        }
        long start = System.nanoTime();
        CompletableFuture<String> reply = new CompletableFuture<>();
        waiting.add(reply);
        session.send(text).whenComplete((ignored, error) -> {
            if (error != null) {
                waiting.remove(reply);
                reply.completeExceptionally(error);
            }
        });
        reply.orTimeout(2, TimeUnit.SECONDS).whenComplete((echoed, error) -> {
            waiting.remove(reply);
            long micros = (System.nanoTime() - start) / 1_000;
            last = new Exchange(
                    text,
                    echoed,
                    error == null ? null : ConnectionDescriptions.describeError(error),
                    error == null ? micros : 0,
                    Instant.now());
            if (error != null && echo.isClosed()) {
                // Shutting down: the connection was closed under the exchange; nothing went wrong.
                log.debug("echo of '{}' ended by the shutdown: {}", text, ConnectionDescriptions.describeError(error));
            } else if (error != null) {
                log.warn("echo of '{}' failed: {}", text, ConnectionDescriptions.describeError(error));
            } else {
                log.debug("echo '{}' in {} us", echoed, micros);
            }
        });
    }

    /** The last exchange, or null before the first. */
    public Exchange last() {
        return last;
    }
}
