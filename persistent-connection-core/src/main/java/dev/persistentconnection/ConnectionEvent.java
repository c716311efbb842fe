package dev.persistentconnection;

/**
 * What a persistent connection is doing, reported step by step (OCaml {@code Persistent_connection_kernel.Event.t}).
 *
 * <p>The grammar of one cycle is {@code AttemptingToConnect (ObtainedAddress? FailedToConnect?)* ObtainedAddress?
 * Connected Disconnected}; a cycle that ends in {@code close()} or an abort may stop anywhere. {@link #toString()}
 * gives the OCaml sexp form, for logs that read like the reference's.
 *
 * @param <A> the address type
 * @param <C> the connection type
 */
public sealed interface ConnectionEvent<A, C> {

    /** The level the reference logs this event at ({@code Event.log_level}): {@code Failed_to_connect} is an error. */
    default System.Logger.Level logLevel() {
        return this instanceof FailedToConnect ? System.Logger.Level.ERROR : System.Logger.Level.INFO;
    }

    /** The constructor name, as {@code Variants.to_name} gives it: the label the reference logs under. */
    String name();

    /** Start of a cycle: emitted at creation and after every disconnection, never between attempts of one cycle. */
    record AttemptingToConnect<A, C>() implements ConnectionEvent<A, C> {
        @Override public String name() { return "Attempting_to_connect"; }
        @Override public String toString() { return name(); }
    }

    /** The address supplier gave an address that differs from the previous one of this cycle. */
    record ObtainedAddress<A, C>(A address) implements ConnectionEvent<A, C> {
        @Override public String name() { return "Obtained_address"; }
        @Override public String toString() { return "(" + name() + " " + address + ")"; }
    }

    /** An attempt failed with an error different from the previous attempt's error of this cycle. */
    record FailedToConnect<A, C>(Throwable error) implements ConnectionEvent<A, C> {
        public FailedToConnect {
            java.util.Objects.requireNonNull(error, "error");
        }
        @Override public String name() { return "Failed_to_connect"; }
        @Override public String toString() { return "(" + name() + " " + describe(error) + ")"; }

        /** The error's message, or its class name when it has none. */
        static String describe(Throwable error) {
            String message = error.getMessage();
            return message != null ? message : error.getClass().getName();
        }
    }

    /** An attempt succeeded; the connection is already {@link PersistentConnection#currentConnection() current}. */
    record Connected<A, C>(C connection) implements ConnectionEvent<A, C> {
        @Override public String name() { return "Connected"; }
        @Override public String toString() { return "(" + name() + " <opaque>)"; }
    }

    /** The connection of this cycle has finished closing, whoever closed it. */
    record Disconnected<A, C>() implements ConnectionEvent<A, C> {
        @Override public String name() { return "Disconnected"; }
        @Override public String toString() { return name(); }
    }
}
