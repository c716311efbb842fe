package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class VirtualTimeSourceTest {

    private final VirtualTimeSource time = new VirtualTimeSource();
    private final List<String> fired = new ArrayList<>();

    private static Instant at(long seconds) {
        return Instant.EPOCH.plusSeconds(seconds);
    }

    private TimeSource.Cancellable record(Duration delay, String name) {
        return time.schedule(delay, () -> fired.add(name));
    }

    @Test
    void startsAtTheEpochWithNoTimers() {
        assertThat(time.now()).isEqualTo(Instant.EPOCH);
        assertThat(time.pendingTimers()).isZero();
    }

    @Test
    void timeMovesOnlyWhenAdvanced() {
        record(Duration.ofSeconds(1), "a");
        assertThat(time.now()).isEqualTo(Instant.EPOCH);
        assertThat(fired).isEmpty();

        time.advanceBy(Duration.ofMillis(1500));
        assertThat(time.now()).isEqualTo(Instant.EPOCH.plusMillis(1500));
        time.advanceTo(at(4));
        assertThat(time.now()).isEqualTo(at(4));
        time.advanceBy(Duration.ZERO);
        assertThat(time.now()).isEqualTo(at(4));
        time.advanceTo(at(4));
        assertThat(time.now()).isEqualTo(at(4));
    }

    @Test
    void advanceByFiresDueTimersInTimeOrder() {
        record(Duration.ofSeconds(3), "3s");
        record(Duration.ofSeconds(1), "1s");
        record(Duration.ofSeconds(2), "2s");
        record(Duration.ofSeconds(10), "10s");

        time.advanceBy(Duration.ofSeconds(5));

        assertThat(fired).containsExactly("1s", "2s", "3s");
        assertThat(time.now()).isEqualTo(at(5));
        assertThat(time.pendingTimers()).isEqualTo(1);
    }

    @Test
    void timersDueAtTheSameTimeFireInSchedulingOrder() {
        for (int i = 0; i < 20; i++) {
            record(Duration.ofSeconds(1), "t" + i);
        }
        record(Duration.ofMillis(500), "early");

        time.advanceBy(Duration.ofSeconds(1));

        List<String> expected = new ArrayList<>();
        expected.add("early");
        for (int i = 0; i < 20; i++) {
            expected.add("t" + i);
        }
        assertThat(fired).containsExactlyElementsOf(expected);
    }

    @Test
    void timersFireOnTheCallingThreadBeforeAdvanceReturns() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        time.schedule(Duration.ofSeconds(1), () -> ranOn.set(Thread.currentThread()));

        time.advanceBy(Duration.ofSeconds(1));

        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
    }

    @Test
    void aTimerExactlyAtTheTargetFires() {
        record(Duration.ofSeconds(1), "a");

        time.advanceBy(Duration.ofMillis(999));
        assertThat(fired).isEmpty();
        assertThat(time.pendingTimers()).isEqualTo(1);

        time.advanceBy(Duration.ofMillis(1));
        assertThat(fired).containsExactly("a");
        assertThat(time.pendingTimers()).isZero();
    }

    @Test
    void advanceToFiresATimerExactlyAtTheTarget() {
        record(Duration.ofSeconds(2), "a");
        record(Duration.ofSeconds(2).plusNanos(1), "b");

        time.advanceTo(at(2));

        assertThat(fired).containsExactly("a");
        assertThat(time.pendingTimers()).isEqualTo(1);
    }

    @Test
    void nowInsideAFiringTaskIsThatTimersTime() {
        List<Instant> seen = new ArrayList<>();
        time.schedule(Duration.ofSeconds(3), () -> seen.add(time.now()));
        time.schedule(Duration.ofMillis(1250), () -> seen.add(time.now()));

        time.advanceBy(Duration.ofSeconds(7));

        assertThat(seen).containsExactly(Instant.EPOCH.plusMillis(1250), at(3));
        assertThat(time.now()).isEqualTo(at(7));
    }

    @Test
    void timersScheduledByAFiringTaskWithinTheWindowFireInTheSameAdvance() {
        List<Instant> seen = new ArrayList<>();
        time.schedule(Duration.ofSeconds(1), () -> {
            seen.add(time.now());
            time.schedule(Duration.ofSeconds(2), () -> {
                seen.add(time.now());
                time.schedule(Duration.ofSeconds(2), () -> seen.add(time.now())); // at 5 s: exactly the target
                time.schedule(Duration.ofSeconds(3), () -> seen.add(time.now())); // at 6 s: outside the window
            });
        });
        time.schedule(Duration.ofSeconds(4), () -> seen.add(time.now()));

        time.advanceBy(Duration.ofSeconds(5));

        assertThat(seen).containsExactly(at(1), at(3), at(4), at(5));
        assertThat(time.pendingTimers()).isEqualTo(1);
        time.advanceBy(Duration.ofSeconds(1));
        assertThat(seen).containsExactly(at(1), at(3), at(4), at(5), at(6));
        assertThat(time.pendingTimers()).isZero();
    }

    @Test
    void aTimerScheduledAtTheCurrentTimeByAFiringTaskKeepsTimeOrder() {
        time.schedule(Duration.ofSeconds(1), () -> {
            fired.add("first");
            time.schedule(Duration.ofNanos(1), () -> fired.add("first+1ns"));
        });
        record(Duration.ofSeconds(1).plusNanos(2), "second");

        time.advanceBy(Duration.ofSeconds(2));

        assertThat(fired).containsExactly("first", "first+1ns", "second");
    }

    @Test
    void cancelRemovesTheTimer() {
        TimeSource.Cancellable a = record(Duration.ofSeconds(1), "a");
        record(Duration.ofSeconds(2), "b");
        assertThat(time.pendingTimers()).isEqualTo(2);

        a.cancel();
        assertThat(time.pendingTimers()).isEqualTo(1);
        time.advanceBy(Duration.ofSeconds(5));

        assertThat(fired).containsExactly("b");
        assertThat(time.pendingTimers()).isZero();
    }

    @Test
    void cancelRemovesOnlyItsOwnTimerEvenWithTheSameTaskAndTime() {
        AtomicInteger runs = new AtomicInteger();
        Runnable task = runs::incrementAndGet;
        TimeSource.Cancellable first = time.schedule(Duration.ofSeconds(1), task);
        time.schedule(Duration.ofSeconds(1), task);

        first.cancel();
        first.cancel();
        assertThat(time.pendingTimers()).isEqualTo(1);
        time.advanceBy(Duration.ofSeconds(1));

        assertThat(runs).hasValue(1);
    }

    @Test
    void cancelAfterFiringIsHarmless() {
        TimeSource.Cancellable a = record(Duration.ofSeconds(1), "a");
        record(Duration.ofSeconds(5), "b");
        time.advanceBy(Duration.ofSeconds(1));
        assertThat(fired).containsExactly("a");

        a.cancel();
        a.cancel();

        assertThat(time.pendingTimers()).isEqualTo(1);
        time.advanceBy(Duration.ofSeconds(4));
        assertThat(fired).containsExactly("a", "b");
    }

    @Test
    void aTaskCanCancelALaterTimerWhileFiring() {
        AtomicReference<TimeSource.Cancellable> later = new AtomicReference<>();
        time.schedule(Duration.ofSeconds(1), () -> {
            fired.add("a");
            later.get().cancel();
        });
        later.set(record(Duration.ofSeconds(2), "b"));

        time.advanceBy(Duration.ofSeconds(3));

        assertThat(fired).containsExactly("a");
        assertThat(time.pendingTimers()).isZero();
    }

    @Test
    void zeroOrNegativeDelayRunsAtOnceOnTheCallingThread() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        List<Instant> seen = new ArrayList<>();
        time.advanceTo(at(10));

        TimeSource.Cancellable zero = time.schedule(Duration.ZERO, () -> {
            ranOn.set(Thread.currentThread());
            seen.add(time.now());
        });
        assertThat(seen).containsExactly(at(10));
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());

        TimeSource.Cancellable negative = time.schedule(Duration.ofSeconds(-5), () -> seen.add(time.now()));
        assertThat(seen).containsExactly(at(10), at(10));

        assertThat(time.pendingTimers()).isZero();
        assertThat(time.now()).isEqualTo(at(10));
        zero.cancel(); // harmless
        negative.cancel(); // harmless
        assertThat(seen).hasSize(2);
    }

    @Test
    void zeroDelayFromAFiringTaskRunsInsideThatTask() {
        time.schedule(Duration.ofSeconds(1), () -> {
            fired.add("outer-start");
            time.schedule(Duration.ZERO, () -> fired.add("inner@" + time.now()));
            fired.add("outer-end");
        });

        time.advanceBy(Duration.ofSeconds(1));

        assertThat(fired).containsExactly("outer-start", "inner@" + at(1), "outer-end");
    }

    @Test
    void advanceByANegativeDurationIsRefused() {
        time.advanceTo(at(5));

        assertThatThrownBy(() -> time.advanceBy(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative")
                .hasMessageContaining("PT-1S");
        assertThat(time.now()).isEqualTo(at(5));
    }

    @Test
    void advanceToThePastIsRefused() {
        record(Duration.ofSeconds(20), "a");
        time.advanceTo(at(10));

        assertThatThrownBy(() -> time.advanceTo(at(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("back")
                .hasMessageContaining(at(10).toString())
                .hasMessageContaining(at(5).toString());
        assertThat(time.now()).isEqualTo(at(10));
        assertThat(time.pendingTimers()).isEqualTo(1);
        assertThat(fired).isEmpty();
    }

    @Test
    void pendingTimersCountsScheduledTimersUntilTheyFireOrAreCancelled() {
        assertThat(time.pendingTimers()).isZero();
        record(Duration.ofSeconds(1), "a");
        TimeSource.Cancellable b = record(Duration.ofSeconds(2), "b");
        record(Duration.ofSeconds(3), "c");
        assertThat(time.pendingTimers()).isEqualTo(3);

        time.advanceBy(Duration.ofSeconds(1));
        assertThat(time.pendingTimers()).isEqualTo(2);
        b.cancel();
        assertThat(time.pendingTimers()).isEqualTo(1);
        time.advanceBy(Duration.ofSeconds(10));
        assertThat(time.pendingTimers()).isZero();
        assertThat(fired).containsExactly("a", "c");
    }

    @Test
    void hugeDelaysSaturateInsteadOfOverflowing() {
        record(Duration.ofSeconds(Long.MAX_VALUE), "far");
        assertThat(time.pendingTimers()).isEqualTo(1);

        time.advanceBy(Duration.ofDays(365L * 1000));
        assertThat(fired).isEmpty();

        time.advanceBy(Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(time.now()).isEqualTo(Instant.MAX);
        assertThat(fired).containsExactly("far");
    }

    @Test
    void aThrowingTaskPropagatesAndLeavesLaterTimersPending() {
        time.schedule(Duration.ofSeconds(1), () -> {
            throw new IllegalStateException("task failed");
        });
        record(Duration.ofSeconds(2), "b");

        assertThatThrownBy(() -> time.advanceBy(Duration.ofSeconds(3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("task failed");
        assertThat(time.now()).isEqualTo(at(1));
        assertThat(time.pendingTimers()).isEqualTo(1);

        time.advanceTo(at(3));
        assertThat(fired).containsExactly("b");
    }

    @Test
    void nullsAreRejected() {
        assertThatThrownBy(() -> time.schedule(null, () -> {})).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> time.schedule(Duration.ofSeconds(1), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> time.advanceBy(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> time.advanceTo(null)).isInstanceOf(NullPointerException.class);
        assertThat(time.pendingTimers()).isZero();
    }
}
