package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Bytes per second one address's connections may read together. */
class ReadBudgetTest extends TestSupport {
    static final int FRAME = 64 * 1024;
    static final int RATE = 128 * 1024;

    @Test
    void theConnectionsOfOneAddressShareItsRate() throws Exception {
        java.util.Queue<TaskServerListener.Rejection> rejections = new java.util.concurrent.ConcurrentLinkedQueue<>();
        TaskServer server = start(serverBuilder()
                .listener((reason, address, detail) -> rejections.add(reason))
                .maxFrameSize(FRAME)
                .maxReadRatePerAddress(RATE)
                .build()
                .register(1, TaskHandler.of(p -> new byte[] {1}), "sink"));
        // Two connections from 127.0.0.1, five frames of 64 KiB each: 640 KiB. The first second's budget (128 KiB)
        // passes at once, and each connection's last read (at most 64 KiB) may go into debt unpaid; the other
        // 384 KiB take 3 s at 128 KiB a second. A rate limit can only be seen in time; this bound is a lower one,
        // which a loaded machine cannot break.
        TaskClient first = connect(server);
        TaskClient second = connect(server);
        byte[] payload = new byte[FRAME - 64];
        long start = System.nanoTime();
        List<CompletableFuture<byte[]>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(first.submit(1, payload));
            answers.add(second.submit(1, payload));
        }
        for (CompletableFuture<byte[]> answer : answers) {
            assertThat(result(answer)).containsExactly(1);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(seconds).as("384 KiB at 128 KiB/s").isGreaterThan(2.5);
        assertThat(first.isClosed() || second.isClosed()).isFalse();
        assertThat(rejections).isNotEmpty().containsOnly(TaskServerListener.Rejection.READ_RATE);
    }

    @Test
    void aRateTooLowForAFrameToArriveWithinTheReadTimeoutIsRefused() {
        assertThatThrownBy(() ->
                        TaskServer.builder().maxReadRatePerAddress(100_000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxReadRatePerAddress 100000 bytes/s is too low")
                .hasMessageContaining("at least maxFrameSize / readTimeout");
        assertThatThrownBy(() -> TaskServer.builder().maxReadRatePerAddress(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TaskServer.builder().build().settings().maxReadRatePerAddress())
                .as("no limit by default")
                .isZero();
    }
}
