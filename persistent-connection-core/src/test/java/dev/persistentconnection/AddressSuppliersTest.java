package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AddressSuppliersTest {

    private static <A> A next(AddressSupplier<A> supplier) {
        CompletableFuture<A> future = supplier.get().toCompletableFuture();
        assertThat(future).as("completed at once").isDone();
        return future.join();
    }

    @Test
    void roundRobinGoesThroughTheListInOrderOnePerGet() {
        AddressSupplier<String> supplier = AddressSuppliers.roundRobin(List.of("a", "b", "c"));

        List<String> got = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            got.add(next(supplier));
        }

        assertThat(got).containsExactly("a", "b", "c", "a", "b", "c", "a");
    }

    @Test
    void roundRobinOverOneAddressAlwaysGivesIt() {
        AddressSupplier<String> supplier = AddressSuppliers.roundRobin(List.of("only"));
        for (int i = 0; i < 5; i++) {
            assertThat(next(supplier)).isEqualTo("only");
        }
    }

    @Test
    void roundRobinCopiesTheList() {
        List<String> addresses = new ArrayList<>(List.of("a", "b"));
        AddressSupplier<String> supplier = AddressSuppliers.roundRobin(addresses);
        addresses.set(0, "changed");
        addresses.add("added");

        assertThat(List.of(next(supplier), next(supplier), next(supplier))).containsExactly("a", "b", "a");
    }

    @Test
    void eachRoundRobinSupplierHasItsOwnPosition() {
        List<String> addresses = List.of("a", "b");
        AddressSupplier<String> first = AddressSuppliers.roundRobin(addresses);
        AddressSupplier<String> second = AddressSuppliers.roundRobin(addresses);

        assertThat(next(first)).isEqualTo("a");
        assertThat(next(first)).isEqualTo("b");
        assertThat(next(second)).isEqualTo("a");
    }

    @Test
    void roundRobinFromSeveralThreadsHandsOutEachAddressEqually() throws Exception {
        List<String> addresses = List.of("a", "b", "c");
        AddressSupplier<String> supplier = AddressSuppliers.roundRobin(addresses);
        int threads = 8;
        int getsPerThread = 30_000;
        Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(executor.submit(() -> {
                    start.await();
                    for (int i = 0; i < getsPerThread; i++) {
                        String address = supplier.get().toCompletableFuture().join();
                        counts.computeIfAbsent(address, k -> new LongAdder()).increment();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(20, TimeUnit.SECONDS); // rethrows any exception from a getter
            }
        } finally {
            executor.shutdown();
            assertThat(executor.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        }

        long total = (long) threads * getsPerThread;
        assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(addresses);
        for (String address : addresses) {
            // one shared counter: the hand-out is exactly even when the total is a multiple of the list size
            assertThat(counts.get(address).sum()).as(address).isEqualTo(total / addresses.size());
        }
        // and the sequence carries on where the threads left it
        assertThat(next(supplier)).isEqualTo(addresses.get((int) (total % addresses.size())));
    }

    @Test
    void roundRobinOverAnEmptyListIsRefused() {
        assertThatThrownBy(() -> AddressSuppliers.roundRobin(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one address");
    }

    @Test
    void roundRobinRejectsNulls() {
        assertThatThrownBy(() -> AddressSuppliers.roundRobin(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> AddressSuppliers.roundRobin(Arrays.asList("a", null)))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void fixedAlwaysGivesTheSameAddress() {
        Object address = new Object();
        AddressSupplier<Object> supplier = AddressSuppliers.fixed(address);
        for (int i = 0; i < 5; i++) {
            assertThat(next(supplier)).isSameAs(address);
        }
    }

    @Test
    void fixedRejectsNull() {
        assertThatThrownBy(() -> AddressSuppliers.fixed(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("address");
    }
}
