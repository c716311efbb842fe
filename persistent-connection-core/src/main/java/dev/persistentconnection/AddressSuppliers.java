package dev.persistentconnection;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** Ready-made {@link AddressSupplier}s. */
public final class AddressSuppliers {

    private AddressSuppliers() {
    }

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
        return () -> CompletableFuture.completedFuture(
                copy.get(Math.floorMod(next.getAndIncrement(), copy.size())));
    }
}
