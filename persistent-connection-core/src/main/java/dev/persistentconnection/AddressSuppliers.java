package dev.persistentconnection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/** Ready-made {@link AddressSupplier}s. */
public final class AddressSuppliers {

    private AddressSuppliers() {}

    /** Always the same address. */
    public static <A> AddressSupplier<A> fixed(A address) {
        Objects.requireNonNull(address, "address");
        return () -> CompletableFuture.completedFuture(address);
    }

    /**
     * The next address of the list on every attempt, starting with the first, so that an attempt after a failure
     * (or after a disconnection) goes to another replica.
     *
     * @throws IllegalArgumentException if the list is empty
     */
    public static <A> AddressSupplier<A> roundRobin(List<? extends A> addresses) {
        List<A> copy = List.copyOf(addresses);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("roundRobin needs at least one address");
        }
        AtomicInteger next = new AtomicInteger();
        return () -> CompletableFuture.completedFuture(copy.get(Math.floorMod(next.getAndIncrement(), copy.size())));
    }

    /**
     * The addresses of a host name in DNS, looked up again before every attempt, one after the other: every A and
     * AAAA record, in a stable order (IPv4 first), and each attempt takes the next one, so that after a failure or a
     * disconnection the next attempt goes to another address, and a service that moves in DNS is followed at the
     * next attempt. The JVM's address cache plays no part (see {@link HostResolver#system()}). Each address keeps
     * the host name, for TLS host name checks and logs.
     *
     * @throws IllegalArgumentException if the host is blank or the port outside {@code [0, 65535]}
     */
    public static AddressSupplier<InetSocketAddress> dns(String host, int port) {
        return dns(host, port, HostResolver.system());
    }

    /** {@link #dns(String, int)} with the given resolver: a test's, or one that asks another name service. */
    public static AddressSupplier<InetSocketAddress> dns(String host, int port, HostResolver resolver) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(resolver, "resolver");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], was " + port);
        }
        AtomicInteger next = new AtomicInteger();
        return new AddressSupplier<>() {
            @Override
            public java.util.concurrent.CompletionStage<InetSocketAddress> get() {
                return Objects.requireNonNull(resolver.resolve(host), "the resolver returned no stage")
                        .thenApply(found -> pick(host, port, found, next.getAndIncrement()));
            }

            @Override
            public String toString() {
                return "AddressSuppliers.dns(" + host + ":" + port + ")";
            }
        };
    }

    private static InetSocketAddress pick(String host, int port, List<InetAddress> found, int turn) {
        if (found == null || found.isEmpty()) {
            throw new CompletionException(new UnknownHostException("no A or AAAA record for " + host));
        }
        InetAddress[] sorted = found.toArray(new InetAddress[0]);
        Arrays.sort(sorted, BY_FAMILY_THEN_BYTES);
        InetAddress chosen = sorted[Math.floorMod(turn, sorted.length)];
        try {
            return new InetSocketAddress(InetAddress.getByAddress(host, chosen.getAddress()), port);
        } catch (UnknownHostException impossible) { // only for an address of illegal length
            throw new CompletionException(impossible);
        }
    }

    private static final Comparator<InetAddress> BY_FAMILY_THEN_BYTES = Comparator.comparingInt(
                    (InetAddress address) -> address.getAddress().length)
            .thenComparing(InetAddress::getAddress, Arrays::compareUnsigned);
}
