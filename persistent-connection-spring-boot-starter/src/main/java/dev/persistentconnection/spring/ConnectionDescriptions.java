package dev.persistentconnection.spring;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Text forms of addresses and errors, shared by the logs, the health details and the endpoint. */
public final class ConnectionDescriptions {

    private ConnectionDescriptions() {}

    /** An address as text: {@code host:port} for socket addresses ({@code [v6]:port}), else its {@code toString()}. */
    public static String describeAddress(Object address) {
        if (address instanceof InetSocketAddress socket) {
            String host = socket.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + socket.getPort();
        }
        return String.valueOf(address);
    }

    /** An error as {@code SimpleClassName: message} (or the class name), without completion wrappers. */
    public static String describeError(Throwable error) {
        Throwable cause = unwrap(error);
        String message = cause.getMessage();
        return (message == null || message.isBlank())
                ? cause.getClass().getName()
                : cause.getClass().getSimpleName() + ": " + message;
    }

    /** The error without {@link CompletionException} / {@link ExecutionException} wrappers. */
    public static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    /** A duration for people: {@code 1h 2m 3s}, {@code 4m 5s}, {@code 6.7s}, {@code 250ms}. */
    public static String describeDuration(java.time.Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return (millis / 100) / 10.0 + "s";
        }
        long seconds = millis / 1000;
        long hours = seconds / 3600;
        long minutes = (seconds % 3600) / 60;
        return (hours > 0 ? hours + "h " : "") + minutes + "m " + seconds % 60 + "s";
    }
}
