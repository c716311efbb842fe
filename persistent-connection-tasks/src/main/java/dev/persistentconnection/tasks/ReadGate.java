package dev.persistentconnection.tasks;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Who holds a connection's reading paused: its tasks in flight at the limit, the frame decoder yielding its turn,
 * its address over its read budget, its outbound buffer full (the client does not take its answers). The channel
 * reads ({@code autoRead}) only while none of them does, so that one resuming does not undo another's pause. Event
 * loop only.
 */
final class ReadGate {
    static final int TASKS_IN_FLIGHT = 1;
    static final int TURN = 2;
    static final int READ_BUDGET = 4;
    static final int UNWRITABLE = 8;

    private static final AttributeKey<ReadGate> KEY = AttributeKey.valueOf(ReadGate.class, "readGate");

    private int holders;

    private ReadGate() {}

    static void pause(Channel channel, int holder) {
        ReadGate gate = channel.attr(KEY).get();
        if (gate == null) {
            gate = new ReadGate();
            channel.attr(KEY).set(gate);
        }
        gate.holders |= holder;
        channel.config().setAutoRead(false);
    }

    static void resume(Channel channel, int holder) {
        ReadGate gate = channel.attr(KEY).get();
        if (gate != null) {
            gate.holders &= ~holder;
            if (gate.holders != 0) {
                return;
            }
        }
        channel.config().setAutoRead(true);
    }
}
