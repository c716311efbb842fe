package dev.persistentconnection;

/**
 * What a persistent connection is doing, reported step by step (docs/SEMANTICS.md §2).
 *
 * <p>The grammar of one cycle is {@code AttemptingToConnect (ObtainedAddress? FailedToConnect?)* ObtainedAddress?
 * Connected Disconnected}; a cycle that ends in {@code close()} or an abort may stop anywhere. {@link #toString()}
 * gives the text form of docs/SEMANTICS.md §2, for logs that read like the reference implementation's.
 *
 * @param <A> the address type
 * @param <C> the connection type
 */
public sealed interface ConnectionEvent<A, C> {

    /** The level to log this event at (docs/SEMANTICS.md §2): {@code Failed_to_connect} is an error. */
    default System.Logger.Level logLevel() {
        return this instanceof FailedToConnect ? System.Logger.Level.ERROR : System.Logger.Level.INFO;
    }

    /** The event's name, the label logs use (docs/SEMANTICS.md §2), e.g. {@code Failed_to_connect}. */
    String name();

    /** Start of a cycle: emitted at creation and after every disconnection, never between attempts of one cycle. */
    record AttemptingToConnect<A, C>() implements ConnectionEvent<A, C> {
        @Override
        public String name() {
            return "Attempting_to_connect";
        }

        @Override
        public String toString() {
            return name();
        }
    }

    /** The address supplier gave an address that differs from the previous one of this cycle. */
    record ObtainedAddress<A, C>(A address) implements ConnectionEvent<A, C> {
        @Override
        public String name() {
            return "Obtained_address";
        }

        @Override
        public String toString() {
            return "(" + name() + " " + address + ")";
        }
    }

    /** An attempt failed with an error different from the previous attempt's error of this cycle. */
    record FailedToConnect<A, C>(Throwable error) implements ConnectionEvent<A, C> {
        public FailedToConnect {
            java.util.Objects.requireNonNull(error, "error");
        }

        @Override
        public String name() {
            return "Failed_to_connect";
        }

        @Override
        public String toString() {
            return "(" + name() + " " + describe(error) + ")";
        }

        /** The error's message, or its class name when it has none. */
        static String describe(Throwable error) {
            String message = error.getMessage();
            return message != null ? message : error.getClass().getName();
        }
    }

    /** An attempt succeeded; the connection is already {@link PersistentConnection#currentConnection() current}. */
    record Connected<A, C>(C connection) implements ConnectionEvent<A, C> {
        @Override
        public String name() {
            return "Connected";
        }

        @Override
        public String toString() {
            return "(" + name() + " <opaque>)";
        }
    }

    /** The connection of this cycle has finished closing, whoever closed it. */
    record Disconnected<A, C>() implements ConnectionEvent<A, C> {
        @Override
        public String name() {
            return "Disconnected";
        }

        @Override
        public String toString() {
            return name();
        }
    }
}
