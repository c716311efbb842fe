package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.persistentconnection.test.ConnectionScenario;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** AddressSuppliers.dns: every A/AAAA record, looked up at every attempt, one after the other. */
@Timeout(30)
class DnsAddressSupplierTest {

    /** A DNS server the test controls: the records it answers with can change between two lookups. */
    private final AtomicReference<List<InetAddress>> records = new AtomicReference<>(List.of());

    private final List<String> lookups = new ArrayList<>();
    private final HostResolver resolver = host -> {
        lookups.add(host);
        return CompletableFuture.completedFuture(records.get());
    };

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    private static InetSocketAddress next(AddressSupplier<InetSocketAddress> supplier) {
        return supplier.get().toCompletableFuture().join();
    }

    @Test
    void everyAttemptLooksTheNameUpAgainAndTakesTheNextRecord() throws Exception {
        records.set(List.of(ip("10.0.0.2"), ip("10.0.0.1"), ip("::1"), ip("10.0.0.3")));
        AddressSupplier<InetSocketAddress> supplier = AddressSuppliers.dns("quotes.internal", 7000, resolver);

        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            picked.add(next(supplier).getAddress().getHostAddress());
        }

        assertThat(picked)
                .containsExactly(
                        "10.0.0.1",
                        "10.0.0.2",
                        "10.0.0.3",
                        "0:0:0:0:0:0:0:1",
                        "10.0.0.1",
                        "10.0.0.2",
                        "10.0.0.3",
                        "0:0:0:0:0:0:0:1");
        assertThat(lookups).hasSize(8).containsOnly("quotes.internal");
    }

    @Test
    void whenTheServiceMovesInDnsTheNextAttemptFollows() throws Exception {
        records.set(List.of(ip("10.0.0.1")));
        AddressSupplier<InetSocketAddress> supplier = AddressSuppliers.dns("quotes.internal", 7000, resolver);
        assertThat(next(supplier).getAddress()).isEqualTo(ip("10.0.0.1"));

        records.set(List.of(ip("10.0.9.9")));

        assertThat(next(supplier).getAddress()).isEqualTo(ip("10.0.9.9"));
    }

    @Test
    void eachAddressKeepsTheHostNameAndThePort() throws Exception {
        records.set(List.of(ip("10.0.0.1")));
        InetSocketAddress address = next(AddressSuppliers.dns("quotes.internal", 7000, resolver));

        assertThat(address.getHostString()).isEqualTo("quotes.internal");
        assertThat(address.getPort()).isEqualTo(7000);
        assertThat(address.isUnresolved()).isFalse();
    }

    @Test
    void noRecordOrAFailedLookupIsAFailedAttemptAndTheEngineRetries() throws Exception {
        ConnectionScenario s = new ConnectionScenario()
                .addressSupplier(() -> AddressSuppliers.dns("quotes.internal", 7000, resolver)
                        .get()
                        .thenApply(InetSocketAddress::toString));
        s.start();
        assertThat(s.events())
                .last()
                .asString()
                .isEqualTo("(Failed_to_connect no A or AAAA record for quotes.internal)");
        assertThat(s.connection().state().lastError()).get().isInstanceOf(UnknownHostException.class);

        records.set(List.of(ip("10.0.0.1")));
        s.advance(ConnectionScenario.DELAY);
        assertThat(s.connectAddresses()).singleElement().asString().contains("quotes.internal/10.0.0.1:7000");

        HostResolver broken = host -> CompletableFuture.failedFuture(new UnknownHostException(host + ": SERVFAIL"));
        assertThat(AddressSuppliers.dns("quotes.internal", 7000, broken).get().toCompletableFuture())
                .failsWithin(1, TimeUnit.SECONDS)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(UnknownHostException.class);
    }

    @Test
    void theSystemResolverAnswersLiteralsAndLocalhostWithoutAskingDns() {
        InetSocketAddress literal = next(AddressSuppliers.dns("127.0.0.1", 7000));
        assertThat(literal.getAddress().isLoopbackAddress()).isTrue();

        InetSocketAddress localhost = next(AddressSuppliers.dns("localhost", 7000));
        assertThat(localhost.getAddress().isLoopbackAddress()).isTrue();
        assertThat(localhost.getHostString()).isEqualTo("localhost");
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> AddressSuppliers.dns(" ", 7000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AddressSuppliers.dns("h", 70000)).hasMessageContaining("port");
    }
}
