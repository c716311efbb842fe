package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** docs/SEMANTICS.md §3 step 7, §4 and §6: when the next attempt starts. */
class PersistentConnectionRetryTest {

    private final ConnectionScenario s = new ConnectionScenario();

    @Test
    void theDelayRunsFromTheStartOfTheFailedAttemptNotFromItsEnd() {
        s.start();
        s.advance(Duration.ofSeconds(3));
        s.addressFails("down"); // the attempt took 3 s

        s.advance(Duration.ofSeconds(7).minusNanos(1));
        assertThat(s.addressCalls()).isEqualTo(1);
        s.advance(Duration.ofNanos(1));
        assertThat(s.addressCalls())
                .as("next attempt 10 s after the start of the first")
                .isEqualTo(2);
        assertThat(s.time().now()).isEqualTo(Instant.EPOCH.plus(ConnectionScenario.DELAY));
    }

    @Test
    void aSlowFailedAttemptIsRetriedAtOnce() {
        s.start();
        s.advance(Duration.ofSeconds(12));
        s.addressFails("down");

        assertThat(s.addressCalls()).isEqualTo(2);
    }

    @Test
    void aFailedAttemptWhoseHandlerOutlastsTheDelayIsRetriedAtOnce() {
        s.hold(ConnectionEvent.FailedToConnect.class).start();
        s.addressFails("down");
        s.advance(Duration.ofSeconds(11));
        assertThat(s.addressCalls()).as("the loop waits for the handler").isEqualTo(1);
        s.releaseHandler();

        assertThat(s.addressCalls()).isEqualTo(2);
    }

    @Test
    void aLongLivedConnectionIsReplacedAtOnceWhenItDies() {
        s.start();
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofMinutes(30));
        c.peerClose();

        s.assertEvents(
                "Attempting_to_connect",
                "(Obtained_address a)",
                "(Connected <opaque>)",
                "Disconnected",
                "Attempting_to_connect");
        assertThat(s.addressCalls()).isEqualTo(2);
    }

    @Test
    void aShortLivedConnectionWaitsOutTheRestOfTheDelayFromTheStartOfItsAttempt() {
        s.start();
        s.advance(Duration.ofSeconds(1));
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofSeconds(3));
        c.peerClose(); // at t = 4 s; the attempt started at t = 0

        assertThat(s.events()).endsWith("Disconnected");
        assertThat(s.connection().state().phase()).isEqualTo(ConnectionState.Phase.DISCONNECTED);
        s.advance(Duration.ofSeconds(6).minusNanos(1));
        assertThat(s.addressCalls()).isEqualTo(1);
        s.advance(Duration.ofNanos(1));
        assertThat(s.events()).endsWith("Disconnected", "Attempting_to_connect");
        assertThat(s.addressCalls()).isEqualTo(2);
    }

    @Test
    void retryDelayIsAskedExactlyOncePerAttemptIncludingTheFirstOfEachCycle() {
        s.start();
        assertThat(s.retryDelayCalls()).isEqualTo(1);
        s.addressFails("down");
        s.advance(ConnectionScenario.DELAY);
        assertThat(s.retryDelayCalls()).isEqualTo(2);
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofHours(1));
        assertThat(s.retryDelayCalls()).as("a connected engine asks nothing").isEqualTo(2);
        c.peerClose();
        assertThat(s.retryDelayCalls()).as("the new cycle's first attempt").isEqualTo(3);
    }

    @Test
    void theRandomizedDelayStaysWithinThirtyPercentOfTheDelay() {
        List<Duration> gaps = new ArrayList<>();
        ConnectionScenario r = new ConnectionScenario();
        r.start(b -> b.randomization(Randomization.percent(0.3, new Random(42))));
        Instant last = r.time().now();
        for (int i = 0; i < 500; i++) {
            r.addressFails("down");
            Instant before = r.time().now();
            while (r.addressCalls() == i + 1) {
                r.advance(Duration.ofMillis(10));
            }
            gaps.add(Duration.between(last, r.time().now()));
            last = r.time().now();
            assertThat(before).isNotNull();
        }
        assertThat(gaps)
                .allSatisfy(gap -> assertThat(gap).isBetween(Duration.ofMillis(7000), Duration.ofMillis(13010)));
        assertThat(gaps).anySatisfy(gap -> assertThat(gap).isLessThan(Duration.ofMillis(8000)));
        assertThat(gaps).anySatisfy(gap -> assertThat(gap).isGreaterThan(Duration.ofMillis(12000)));
    }

    @Test
    void aThrowingRetryDelayFailsTheAttemptClearlyAndTheEngineKeepsGoing() {
        ConnectionScenario r = new ConnectionScenario();
        int[] calls = {0};
        r.start(b -> b.retryDelay(() -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("no delay today");
            }
            return Duration.ofSeconds(1);
        }));

        assertThat(r.addressCalls()).as("the broken attempt does not look up").isEqualTo(0);
        assertThat(r.events()).hasSize(2);
        assertThat(r.rawEvents().get(1))
                .isInstanceOfSatisfying(
                        ConnectionEvent.FailedToConnect.class,
                        failed -> assertThat(failed.error())
                                .hasMessageContaining("retryDelay failed")
                                .hasMessageContaining("no delay today"));
        r.advance(PersistentConnection.DEFAULT_RETRY_DELAY);
        assertThat(r.addressCalls()).isEqualTo(1);
        r.connectTo("a");
        assertThat(r.connection().currentConnection()).isPresent();
    }

    @Test
    void aNullOrNegativeRetryDelayIsAClearFailureToo() {
        ConnectionScenario r = new ConnectionScenario();
        Duration[] answers = {null, Duration.ofSeconds(-1)};
        int[] calls = {0};
        r.start(b -> b.retryDelay(() -> calls[0] < answers.length ? answers[calls[0]++] : Duration.ofSeconds(1)));

        assertThat(r.rawEvents().get(1))
                .isInstanceOfSatisfying(
                        ConnectionEvent.FailedToConnect.class,
                        failed -> assertThat(failed.error()).hasMessageContaining("returned null"));
        r.advance(PersistentConnection.DEFAULT_RETRY_DELAY);
        assertThat(r.rawEvents().get(2))
                .isInstanceOfSatisfying(
                        ConnectionEvent.FailedToConnect.class,
                        failed -> assertThat(failed.error()).hasMessageContaining("negative"));
        r.advance(PersistentConnection.DEFAULT_RETRY_DELAY);
        assertThat(r.addressCalls()).isEqualTo(1);
    }
}
