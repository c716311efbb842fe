package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The token bucket of the accept and read rates, on a clock given by the test. */
class TokenBucketTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void aFullBucketGivesItsBurstThenItsRate() {
        TokenBucket bucket = new TokenBucket(10, 10, 0);
        for (int i = 0; i < 10; i++) {
            assertThat(bucket.tryTake(0)).isTrue();
        }
        assertThat(bucket.tryTake(0)).isFalse();
        assertThat(bucket.tryTake(SECOND / 20)).isFalse(); // half a token
        assertThat(bucket.tryTake(SECOND / 10)).isTrue();
        assertThat(bucket.isFull(SECOND / 10)).isFalse();
        assertThat(bucket.isFull(2 * SECOND)).isTrue();
        // Never more than the burst, however long it waited.
        for (int i = 0; i < 10; i++) {
            assertThat(bucket.tryTake(100 * SECOND)).isTrue();
        }
        assertThat(bucket.tryTake(100 * SECOND)).isFalse();
    }

    @Test
    void takingIntoDebtSaysHowLongUntilItIsPaid() {
        TokenBucket bucket = new TokenBucket(1000, 1000, 0);
        assertThat(bucket.take(600, 0)).isZero();
        assertThat(bucket.take(900, 0)).isEqualTo(SECOND / 2); // 500 in debt at 1000 a second
        assertThat(bucket.take(0, SECOND / 4)).isEqualTo(SECOND / 4);
        assertThat(bucket.take(0, SECOND / 2)).isZero();
    }
}
