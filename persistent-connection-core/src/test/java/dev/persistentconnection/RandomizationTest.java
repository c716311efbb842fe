package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class RandomizationTest {

    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    /** A Random that returns fixed draws and records which methods the randomization calls, in order. */
    private static final class ScriptedRandom extends Random {
        final List<String> calls = new ArrayList<>();
        double nextDouble;
        boolean nextBoolean;

        ScriptedRandom(double nextDouble, boolean nextBoolean) {
            super(0);
            this.nextDouble = nextDouble;
            this.nextBoolean = nextBoolean;
        }

        @Override
        public double nextDouble() {
            calls.add("nextDouble");
            return nextDouble;
        }

        @Override
        public boolean nextBoolean() {
            calls.add("nextBoolean");
            return nextBoolean;
        }

        @Override
        protected int next(int bits) { // any other draw ends up here
            calls.add("next(" + bits + ")");
            return super.next(bits);
        }
    }

    @Test
    void nonRandomReturnsTheDelayUnchanged() {
        Randomization none = Randomization.nonRandom();

        assertThat(none.apply(TEN_SECONDS)).isEqualTo(TEN_SECONDS);
        assertThat(none.apply(Duration.ZERO)).isEqualTo(Duration.ZERO);
        assertThat(none.apply(Duration.ofNanos(1))).isEqualTo(Duration.ofNanos(1));
        assertThat(none.apply(Duration.ofDays(3).plusNanos(7)))
                .isEqualTo(Duration.ofDays(3).plusNanos(7));
        assertThat(Randomization.nonRandom()).isSameAs(none);
    }

    @Test
    void percentStaysWithinTheBoundsHitsBothSidesAndIsUniform() {
        Randomization randomization = Randomization.percent(0.3, new Random(20240611L));
        Duration min = Duration.ofSeconds(7);
        Duration max = Duration.ofSeconds(13);
        int draws = 10_000;
        int[] buckets = new int[10];
        int below = 0;
        int above = 0;
        double sumSeconds = 0;

        for (int i = 0; i < draws; i++) {
            Duration d = randomization.apply(TEN_SECONDS);
            assertThat(d).isBetween(min, max);
            double seconds = d.toNanos() / 1e9;
            sumSeconds += seconds;
            if (d.compareTo(TEN_SECONDS) < 0) {
                below++;
            } else if (d.compareTo(TEN_SECONDS) > 0) {
                above++;
            }
            int bucket = Math.min(9, (int) ((seconds - 7.0) / 0.6));
            buckets[bucket]++;
        }

        assertThat(below).as("draws below 10 s").isGreaterThan(draws / 3);
        assertThat(above).as("draws above 10 s").isGreaterThan(draws / 3);
        assertThat(sumSeconds / draws).as("mean in seconds").isBetween(9.8, 10.2);
        for (int i = 0; i < buckets.length; i++) {
            assertThat(buckets[i]).as("bucket %d of [7 s, 13 s]", i).isBetween(draws * 5 / 100, draws * 15 / 100);
        }
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        Randomization a = Randomization.percent(0.3, new Random(7));
        Randomization b = Randomization.percent(0.3, new Random(7));
        for (int i = 0; i < 100; i++) {
            assertThat(a.apply(TEN_SECONDS)).isEqualTo(b.apply(TEN_SECONDS));
        }
    }

    @Test
    void drawsTheOffsetFirstThenTheSignOncePerApply() {
        ScriptedRandom random = new ScriptedRandom(0.5, true);
        random.calls.clear(); // ignore anything the Random constructor did
        Randomization randomization = Randomization.percent(0.3, random);

        randomization.apply(TEN_SECONDS);
        assertThat(random.calls).containsExactly("nextDouble", "nextBoolean");

        randomization.apply(TEN_SECONDS);
        assertThat(random.calls).containsExactly("nextDouble", "nextBoolean", "nextDouble", "nextBoolean");
    }

    @Test
    void aPositiveSignAddsTheOffset() {
        ScriptedRandom random = new ScriptedRandom(0.5, true);

        Duration d = Randomization.percent(0.3, random).apply(TEN_SECONDS);

        assertThat(d).isEqualTo(Duration.ofMillis(11_500)); // 10 s + 0.5 * 0.3 * 10 s
    }

    @Test
    void aNegativeSignSubtractsTheOffset() {
        ScriptedRandom random = new ScriptedRandom(0.5, false);

        Duration d = Randomization.percent(0.3, random).apply(TEN_SECONDS);

        assertThat(d).isEqualTo(Duration.ofMillis(8_500)); // 10 s - 0.5 * 0.3 * 10 s
    }

    @Test
    void theExtremesOfTheDrawsGiveTheEndsOfTheRange() {
        assertThat(Randomization.percent(0.3, new ScriptedRandom(0.0, true)).apply(TEN_SECONDS))
                .isEqualTo(TEN_SECONDS);
        assertThat(Randomization.percent(0.3, new ScriptedRandom(0.0, false)).apply(TEN_SECONDS))
                .isEqualTo(TEN_SECONDS);
        double justBelowOne = Math.nextDown(1.0);
        Duration high = Randomization.percent(0.3, new ScriptedRandom(justBelowOne, true))
                .apply(TEN_SECONDS);
        Duration low = Randomization.percent(0.3, new ScriptedRandom(justBelowOne, false))
                .apply(TEN_SECONDS);
        assertThat(high).isBetween(Duration.ofMillis(12_999), Duration.ofSeconds(13));
        assertThat(low).isBetween(Duration.ofSeconds(7), Duration.ofMillis(7_001));
    }

    @Test
    void subSecondDelaysKeepNanosecondPrecision() {
        Duration d = Randomization.percent(0.3, new ScriptedRandom(0.5, true)).apply(Duration.ofMillis(100));
        assertThat(d).isEqualTo(Duration.ofMillis(115));

        Duration e = Randomization.percent(0.2, new ScriptedRandom(0.25, false)).apply(Duration.ofMillis(1_500));
        assertThat(e).isEqualTo(Duration.ofMillis(1_425)); // 1.5 s - 0.25 * 0.2 * 1.5 s
    }

    @Test
    void aFractionOutsideZeroToOneIsRefusedAndNamed() {
        Random random = new Random(1);
        assertThatThrownBy(() -> Randomization.percent(-0.1, random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-0.1");
        assertThatThrownBy(() -> Randomization.percent(1.0, random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1.0");
        assertThatThrownBy(() -> Randomization.percent(Double.NaN, random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> Randomization.percent(Double.POSITIVE_INFINITY, random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Infinity");
    }

    @Test
    void fractionsJustInsideTheRangeAreAccepted() {
        Randomization almostOne = Randomization.percent(Math.nextDown(1.0), new Random(3));
        for (int i = 0; i < 1_000; i++) {
            assertThat(almostOne.apply(TEN_SECONDS)).isBetween(Duration.ZERO, Duration.ofSeconds(20));
        }
    }

    @Test
    void fractionZeroGivesTheDelayUnchanged() {
        Randomization zero = Randomization.percent(0.0, new Random(5));
        for (int i = 0; i < 100; i++) {
            assertThat(zero.apply(TEN_SECONDS)).isEqualTo(TEN_SECONDS);
        }
    }

    @Test
    void aZeroDelayStaysZero() {
        Randomization randomization = Randomization.percent(0.3, new Random(11));
        for (int i = 0; i < 100; i++) {
            assertThat(randomization.apply(Duration.ZERO)).isEqualTo(Duration.ZERO);
        }
        assertThat(Randomization.percent(0.3, new ScriptedRandom(0.9, false)).apply(Duration.ZERO))
                .isZero();
    }

    @Test
    void nullsAreRejected() {
        assertThatThrownBy(() -> Randomization.percent(0.3, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Randomization.nonRandom().apply(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Randomization.percent(0.3, new Random()).apply(null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void toStringNamesTheKind() {
        assertThat(Randomization.nonRandom()).hasToString("Randomization.nonRandom()");
        assertThat(Randomization.percent(0.3, new Random())).hasToString("Randomization.percent(0.3)");
    }
}
