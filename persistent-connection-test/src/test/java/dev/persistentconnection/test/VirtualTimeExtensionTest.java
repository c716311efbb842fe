package dev.persistentconnection.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.VirtualTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class VirtualTimeExtensionTest {

    @RegisterExtension
    final VirtualTimeExtension virtualTime = new VirtualTimeExtension();

    private VirtualTimeSource fromBeforeEach;

    @BeforeEach
    void setUp(VirtualTimeSource time) {
        fromBeforeEach = time;
    }

    @Test
    void theParameterTheFieldAndTheLifecycleMethodsShareOneClockPerTest(VirtualTimeSource time) {
        assertThat(time).isSameAs(virtualTime.time()).isSameAs(fromBeforeEach);
    }

    @Test
    void eachTestStartsAtTheSameInstantWithNoTimers(VirtualTimeSource time) {
        assertThat(time.now()).isEqualTo(Instant.EPOCH);
        assertThat(time.pendingTimers()).isZero();
        AtomicInteger fired = new AtomicInteger();
        time.schedule(Duration.ofSeconds(5), fired::incrementAndGet);
        time.advanceBy(Duration.ofSeconds(4));
        assertThat(fired).hasValue(0);
        time.advanceBy(Duration.ofSeconds(1));
        assertThat(fired).hasValue(1);
    }

    @Test
    void outsideATestTheFieldSaysSo() {
        assertThatThrownBy(() -> new VirtualTimeExtension().time())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no test is running");
    }
}
