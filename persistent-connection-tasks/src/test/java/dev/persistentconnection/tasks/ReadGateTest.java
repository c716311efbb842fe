package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** A connection reads only while nobody holds its reading paused. */
class ReadGateTest {

    @Test
    void oneResumingDoesNotUndoAnothersPause() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadGate.pause(channel, ReadGate.TASKS_IN_FLIGHT);
        ReadGate.pause(channel, ReadGate.READ_BUDGET);
        assertThat(channel.config().isAutoRead()).isFalse();
        ReadGate.resume(channel, ReadGate.READ_BUDGET);
        assertThat(channel.config().isAutoRead())
                .as("tasks in flight still at the limit")
                .isFalse();
        ReadGate.resume(channel, ReadGate.TURN); // not held: changes nothing
        assertThat(channel.config().isAutoRead()).isFalse();
        ReadGate.resume(channel, ReadGate.TASKS_IN_FLIGHT);
        assertThat(channel.config().isAutoRead()).isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void aChannelNobodyPausedReads() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadGate.resume(channel, ReadGate.TURN);
        assertThat(channel.config().isAutoRead()).isTrue();
        channel.finishAndReleaseAll();
    }
}
