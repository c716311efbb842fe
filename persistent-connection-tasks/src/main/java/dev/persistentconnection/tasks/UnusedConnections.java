package dev.persistentconnection.tasks;

import io.netty.channel.Channel;
import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * The connections that have not sent a task yet, oldest first: before their hello, or past it and idle since. When
 * the server is full, a newcomer takes the place of the oldest of them instead of being refused, so that
 * connections that never do anything, even from many addresses at once (each under its per-address limit), cannot
 * keep the server full for the handshake deadline or the idle timeout: they hold a slot only until newer ones need
 * it. A connection that has sent a task is never evicted; when every connection has, a newcomer is refused as
 * "server full". Thread-safe (a lock: every operation is O(1)).
 */
final class UnusedConnections {
    private final LinkedHashSet<Channel> unused = new LinkedHashSet<>();

    /** A connection accepted. */
    synchronized void add(Channel channel) {
        unused.add(channel);
    }

    /** Its first task arrived, or it closed: no longer a candidate. */
    synchronized void remove(Channel channel) {
        unused.remove(channel);
    }

    /**
     * Closes the oldest connection that has not sent a task, other than {@code newcomer}.
     *
     * @return the evicted connection, or null if every connection has sent a task
     */
    Channel evictOldest(Channel newcomer) {
        Channel oldest = null;
        synchronized (this) {
            for (Iterator<Channel> it = unused.iterator(); it.hasNext(); ) {
                Channel c = it.next();
                if (c != newcomer) {
                    it.remove();
                    oldest = c;
                    break;
                }
            }
        }
        if (oldest != null) {
            oldest.close();
        }
        return oldest;
    }

    synchronized int size() {
        return unused.size();
    }
}
