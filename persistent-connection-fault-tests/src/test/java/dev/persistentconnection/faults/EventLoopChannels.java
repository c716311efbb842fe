package dev.persistentconnection.faults;

import dev.persistentconnection.tasks.TaskServer;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;

/**
 * For leak reports: every socket a server's event loops still watch, with its file descriptor and the state of its
 * Netty channel (open, active, reading, pipeline). A leaked descriptor that is not in this list is a socket no
 * event loop knows of any more. Reads Netty's and the JDK's internals by reflection (opened to this module by the
 * surefire configuration); a report, never an assertion.
 */
final class EventLoopChannels {
    private EventLoopChannels() {}

    static List<String> describe(TaskServer server) {
        List<String> out = new ArrayList<>();
        try {
            EventExecutorGroup group = (EventExecutorGroup) field(server, "workerGroup");
            if (group == null) {
                return List.of("no event loops");
            }
            for (EventExecutor loop : group) {
                Selector selector = (Selector) field(field(loop, "ioHandler"), "unwrappedSelector");
                List<SelectionKey> keys = null;
                for (int i = 0; keys == null && i < 10; i++) {
                    try {
                        keys = new ArrayList<>(selector.keys());
                    } catch (ConcurrentModificationException busy) {
                        Thread.onSpinWait();
                    }
                }
                for (SelectionKey key : keys == null ? List.<SelectionKey>of() : keys) {
                    out.add(describe(key));
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            out.add("channels unknown: " + e);
        }
        return out;
    }

    /** The accepted connections a server has not seen closed, with their descriptors (any incarnation, stopped or not). */
    @SuppressWarnings("unchecked")
    static List<String> openConnections(TaskServer server) {
        List<String> out = new ArrayList<>();
        try {
            java.util.Set<Channel> children = (java.util.Set<Channel>) field(server, "children");
            for (Channel c : children == null ? java.util.Set.<Channel>of() : children) {
                Object socket = field(c, "ch");
                Method fdVal = socket.getClass().getMethod("getFDVal");
                fdVal.setAccessible(true);
                out.add("fd " + fdVal.invoke(socket) + ": " + c + " open " + c.isOpen() + " registered "
                        + c.isRegistered() + " loop shut down " + c.eventLoop().isShutdown() + " pipeline "
                        + c.pipeline().names());
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            out.add("connections unknown: " + e);
        }
        return out;
    }

    private static String describe(SelectionKey key) throws ReflectiveOperationException {
        Method fdVal = key.channel().getClass().getMethod("getFDVal");
        fdVal.setAccessible(true);
        String interest;
        try {
            interest = String.valueOf(key.interestOps());
        } catch (RuntimeException cancelled) {
            interest = "cancelled";
        }
        Channel channel = channelOf(key.attachment());
        return "fd " + fdVal.invoke(key.channel()) + " interest " + interest + ": "
                + (channel == null
                        ? String.valueOf(key.attachment())
                        : channel + " open " + channel.isOpen() + " active " + channel.isActive() + " autoRead "
                                + channel.config().isAutoRead() + " pipeline "
                                + channel.pipeline().names());
    }

    /** The Netty channel behind a selection key's attachment (a registration holding the channel's unsafe). */
    private static Channel channelOf(Object attachment) throws ReflectiveOperationException {
        Object handle = field(attachment, "handle");
        if (handle instanceof Channel c) {
            return c;
        }
        Object outer = handle == null ? null : field(handle, "this$0");
        return outer instanceof Channel c ? c : null;
    }

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        if (target == null) {
            return null;
        }
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException next) {
                // look further up
            }
        }
        return null;
    }
}
