package dev.persistentconnection.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffDelayTest {

    private static PersistentConnectionSettings settings(double multiplier, Duration max, Duration resetAfter) {
        return new PersistentConnectionSettings() {
            @Override
            public String name() {
                return "x";
            }

            @Override
            public Duration retryDelay() {
                return Duration.ofSeconds(1);
            }

            @Override
            public Backoff backoff() {
                return new Backoff(multiplier, max, resetAfter);
            }
        };
    }

    @Test
    void aMultiplierOfOneKeepsTheDelayConstant() {
        ManagedPersistentConnection.BackoffDelay delay =
                new ManagedPersistentConnection.BackoffDelay(settings(1.0, Duration.ofMinutes(5), Duration.ZERO));
        delay.failed();
        delay.failed();
        assertThat(delay.get()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void consecutiveFailuresMultiplyTheDelayUpToTheMaximum() {
        ManagedPersistentConnection.BackoffDelay delay =
                new ManagedPersistentConnection.BackoffDelay(settings(2.0, Duration.ofSeconds(5), Duration.ZERO));
        assertThat(delay.get()).isEqualTo(Duration.ofSeconds(1));
        delay.failed();
        assertThat(delay.get()).isEqualTo(Duration.ofSeconds(2));
        delay.failed();
        assertThat(delay.get()).isEqualTo(Duration.ofSeconds(4));
        delay.failed();
        assertThat(delay.get()).isEqualTo(Duration.ofSeconds(5));
        for (int i = 0; i < 2000; i++) {
            delay.failed();
        }
        assertThat(delay.get()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aConnectionThatStaysUpResetsTheBackoffAndOneThatDropsSoonDoesNot() {
        ManagedPersistentConnection.BackoffDelay stable =
                new ManagedPersistentConnection.BackoffDelay(settings(2.0, Duration.ofMinutes(5), Duration.ZERO));
        stable.failed();
        stable.failed();
        stable.connected();
        stable.disconnected();
        assertThat(stable.get()).isEqualTo(Duration.ofSeconds(1));

        ManagedPersistentConnection.BackoffDelay flapping =
                new ManagedPersistentConnection.BackoffDelay(settings(2.0, Duration.ofMinutes(5), Duration.ofHours(1)));
        flapping.failed();
        flapping.connected();
        flapping.disconnected();
        assertThat(flapping.failures()).isEqualTo(2);
        assertThat(flapping.get()).isEqualTo(Duration.ofSeconds(4));
    }
}
