package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.test.ConnectionScenario;
import dev.persistentconnection.test.FakeConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void exponentialGrowsByTheMultiplierUpToTheMaximum() {
        Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), 2, Duration.ofSeconds(10));

        assertThat(List.of(0, 1, 2, 3, 4, 50, 5000))
                .extracting(backoff::delay)
                .containsExactly(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(8),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(10));
    }

    @Test
    void decorrelatedJitterStaysBetweenTheBaseAndThreeTimesThePreviousDelayAndTheMaximum() {
        Duration base = Duration.ofMillis(100);
        Duration max = Duration.ofSeconds(30);
        Backoff backoff = Backoff.decorrelatedJitter(base, max, new Random(11));
        assertThat(backoff.delay(0)).isEqualTo(base);
        Duration previous = base;
        List<Duration> delays = new ArrayList<>();
        for (int failures = 1; failures <= 500; failures++) {
            Duration delay = backoff.delay(failures);
            assertThat(delay).isBetween(base, min(max, previous.multipliedBy(3)));
            delays.add(delay);
            previous = delay;
        }
        assertThat(delays).as("reaches the maximum's neighbourhood").anyMatch(d -> d.compareTo(max.dividedBy(2)) > 0);
        assertThat(delays.stream().distinct().count()).isGreaterThan(400);
        assertThat(backoff.delay(0)).as("a success starts again").isEqualTo(base);
        assertThat(backoff.delay(1)).isBetween(base, base.multipliedBy(3));
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(2)))
                .hasMessageContaining("multiplier");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(3), 2, Duration.ofSeconds(2)))
                .hasMessageContaining("less than the base");
        assertThatThrownBy(() -> Backoff.decorrelatedJitter(Duration.ZERO, Duration.ofSeconds(2), new Random()))
                .hasMessageContaining("positive");
    }

    @Test
    void theEngineAsksTheBackoffWithTheFailedAttemptsInARowAndStartsAgainAfterASuccess() {
        ConnectionScenario s = new ConnectionScenario();
        s.start(b -> b.backoff(Backoff.exponential(Duration.ofSeconds(1), 2, Duration.ofSeconds(60))));
        List<Instant> attempts = new ArrayList<>();
        attempts.add(s.time().now());
        for (int i = 0; i < 4; i++) {
            int before = s.addressCalls();
            s.addressFails("down");
            while (s.addressCalls() == before) {
                s.advance(Duration.ofMillis(250));
            }
            attempts.add(s.time().now());
        }
        FakeConnection c = s.connectTo("a");
        s.advance(Duration.ofMinutes(5));
        c.peerClose();
        s.addressFails("down"); // first failure after the success: 1 s again
        int before = s.addressCalls();
        s.advance(Duration.ofSeconds(1));

        assertThat(s.addressCalls()).isEqualTo(before + 1);
        List<Duration> gaps = new ArrayList<>();
        for (int i = 1; i < attempts.size(); i++) {
            gaps.add(Duration.between(attempts.get(i - 1), attempts.get(i)));
        }
        assertThat(gaps)
                .containsExactly(
                        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
