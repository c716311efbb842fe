package dev.persistentconnection.sample.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.persistentconnection.sample.quotes.QuoteServerEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** One subscriber gone bad must not cost the others an event. */
class EventFeedTest {

    private final EventFeed feed = new EventFeed();

    @AfterEach
    void close() {
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            feed.closing(new ContextClosedEvent(context));
        }
    }

    /** Records what it is sent, or fails every send, as a subscriber whose client went away does. */
    static final class Subscriber extends SseEmitter {
        final List<SseEventBuilder> sent = new CopyOnWriteArrayList<>();
        volatile boolean gone;

        @Override
        public void send(SseEventBuilder builder) throws IOException {
            if (gone) {
                throw new IOException("Broken pipe");
            }
            sent.add(builder);
        }

        @Override
        public void completeWithError(Throwable ex) {
            // What Spring MVC does once the client's request has ended: its async context is gone.
            throw new IllegalStateException("AsyncContext not yet initialized");
        }
    }

    @Test
    void subscribersWhoseRequestsEndedFirstDoNotStopTheEventsReachingTheOthers() {
        // Ten gone subscribers beside one live one: in whatever order the feed meets them, the live one must get
        // every event (before the fix, a gone one met first ended the delivery of that event).
        List<Subscriber> gone = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            gone.add(new Subscriber());
        }
        Subscriber live = new Subscriber();
        gone.forEach(feed::subscribe);
        feed.subscribe(live);
        await().atMost(Duration.ofSeconds(10)).until(() -> feed.subscribers() == 11);
        gone.forEach(subscriber -> subscriber.gone = true);

        feed.on(new QuoteServerEvent(this, "Server_stopping", "127.0.0.1:1"));
        feed.on(new QuoteServerEvent(this, "Server_stopped", "127.0.0.1:1"));
        feed.on(new QuoteServerEvent(this, "Server_started", "127.0.0.1:1"));

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(live.sent).hasSize(3));
        assertThat(feed.subscribers()).isEqualTo(1);
    }
}
