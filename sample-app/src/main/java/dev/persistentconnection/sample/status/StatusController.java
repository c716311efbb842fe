package dev.persistentconnection.sample.status;

import dev.persistentconnection.ConnectionState;
import dev.persistentconnection.sample.SampleProperties;
import dev.persistentconnection.sample.echo.EchoPinger;
import dev.persistentconnection.sample.quotes.QuoteServerEvent;
import dev.persistentconnection.sample.quotes.QuoteTicker;
import dev.persistentconnection.sample.quotes.TaskOutcome;
import dev.persistentconnection.spring.ConnectionDescriptions;
import dev.persistentconnection.spring.ManagedPersistentConnection;
import dev.persistentconnection.spring.PersistentConnections;
import dev.persistentconnection.spring.server.ManagedTaskServer;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The status page's API: a snapshot of every connection, the live timeline (server-sent events), and the
 * control of the quote server (the starter's task server, serving {@code QuoteTasks}).
 */
@RestController
@RequestMapping("/api")
public class StatusController {

    /** The embedded quote server. */
    public record ServerView(boolean running, String address, int clients) {}

    /**
     * One connection, as the health details and the actuator endpoint show it, plus its counters; during an outage,
     * how long until the next attempt and how long the outage has lasted, in milliseconds of the server's clock.
     */
    public record ConnectionView(
            String name,
            String serverName,
            String phase,
            boolean connected,
            String address,
            String lastError,
            int consecutiveFailures,
            String since,
            long successfulAttempts,
            long failedAttempts,
            long disconnects,
            String retryDelay,
            double backoffMultiplier,
            String backoffMaxDelay,
            String nextAttemptAt,
            Long untilNextAttemptMillis,
            Long outageMillis) {}

    /** Everything the page shows, at one moment. */
    public record StatusView(
            ServerView quoteServer,
            List<ConnectionView> connections,
            List<TaskOutcome> tasks,
            EchoPinger.Exchange echo) {}

    private final PersistentConnections connections;
    private final ManagedTaskServer quoteServer;
    private final String quoteServerAddress;
    private final ApplicationEventPublisher events;
    private final QuoteTicker ticker;
    private final EchoPinger pinger;
    private final EventFeed feed;

    public StatusController(
            PersistentConnections connections,
            ManagedTaskServer quoteServer,
            SampleProperties properties,
            ApplicationEventPublisher events,
            QuoteTicker ticker,
            EchoPinger pinger,
            EventFeed feed) {
        this.connections = connections;
        this.quoteServer = quoteServer;
        this.quoteServerAddress =
                properties.quoteServer().host() + ":" + properties.quoteServer().port();
        this.events = events;
        this.ticker = ticker;
        this.pinger = pinger;
        this.feed = feed;
    }

    @GetMapping("/status")
    public StatusView status() {
        List<ConnectionView> views = new ArrayList<>();
        for (ManagedPersistentConnection managed : connections) {
            views.add(view(managed));
        }
        return new StatusView(server(), views, ticker.recent(), pinger.last());
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter events() {
        return feed.subscribe();
    }

    /** Stops the quote server abruptly, like a crash: its clients are closed, their tasks in flight fail. */
    @PostMapping("/quote-server/stop")
    public synchronized ServerView stop() {
        if (quoteServer.isRunning()) {
            events.publishEvent(new QuoteServerEvent(this, "Server_stopping", quoteServerAddress));
            quoteServer.stopNow();
            events.publishEvent(new QuoteServerEvent(this, "Server_stopped", quoteServerAddress));
        }
        return server();
    }

    /** Starts the quote server again, on the same port. */
    @PostMapping("/quote-server/start")
    public synchronized ServerView start() {
        if (!quoteServer.isRunning()) {
            quoteServer.start();
            events.publishEvent(new QuoteServerEvent(this, "Server_started", quoteServerAddress));
        }
        return server();
    }

    private ServerView server() {
        return new ServerView(quoteServer.isRunning(), quoteServerAddress, quoteServer.numClients());
    }

    private static ConnectionView view(ManagedPersistentConnection managed) {
        ConnectionState state = managed.state();
        return new ConnectionView(
                managed.name(),
                state.serverName(),
                state.phase().name(),
                state.phase() == ConnectionState.Phase.CONNECTED,
                state.address().map(ConnectionDescriptions::describeAddress).orElse(null),
                state.lastError().map(ConnectionDescriptions::describeError).orElse(null),
                state.consecutiveFailures(),
                String.valueOf(state.since()),
                managed.statistics().successfulAttempts(),
                managed.statistics().failedAttempts(),
                managed.statistics().disconnects(),
                String.valueOf(managed.settings().retryDelay()),
                managed.settings().backoff().multiplier(),
                String.valueOf(managed.settings().backoff().maxDelay()),
                state.nextAttemptAt().map(String::valueOf).orElse(null),
                state.untilNextAttempt().map(java.time.Duration::toMillis).orElse(null),
                state.outageDuration().map(java.time.Duration::toMillis).orElse(null));
    }
}
