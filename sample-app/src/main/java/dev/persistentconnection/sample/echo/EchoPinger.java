package dev.persistentconnection.sample.echo;

import java.net.URI;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.spring.ConnectionDescriptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Every two seconds, sends a text over the {@code echo} WebSocket connection and records the echo. */
@Component
public class EchoPinger {

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
    public record Exchange(String sent, String reply, String error, long micros, Instant at) {
    }

    private final PersistentConnection<URI, EchoSession> echo;
    private final AtomicLong count = new AtomicLong();
    private volatile Exchange last;

    public EchoPinger(@Qualifier("echo") PersistentConnection<URI, EchoSession> echo) {
        this.echo = echo;
    }

    @Scheduled(initialDelay = 1000, fixedRate = 2000)
    public void ping() {
        String text = "ping " + count.incrementAndGet();
        EchoSession session = echo.currentConnection().orElse(null);
        if (session == null || EchoSession.LIFECYCLE.isClosed(session)) {
            last = new Exchange(text, null, "not connected: " + echo.state().phase(), 0, Instant.now());
            return;
        }
        long start = System.nanoTime();
        session.echo(text).orTimeout(2, TimeUnit.SECONDS).whenComplete((reply, error) -> {
            long micros = (System.nanoTime() - start) / 1_000;
            last = new Exchange(text, reply, error == null ? null : ConnectionDescriptions.describeError(error),
                    error == null ? micros : 0, Instant.now());
            if (error != null && echo.isClosed()) {
                // Shutting down: the connection was closed under the exchange; nothing went wrong.
                log.debug("echo of '{}' ended by the shutdown: {}", text, ConnectionDescriptions.describeError(error));
            }
            else if (error != null) {
                log.warn("echo of '{}' failed: {}", text, ConnectionDescriptions.describeError(error));
            }
            else {
                log.debug("echo '{}' in {} us", reply, micros);
            }
        });
    }

    /** The last exchange, or null before the first. */
    public Exchange last() {
        return last;
    }
}
