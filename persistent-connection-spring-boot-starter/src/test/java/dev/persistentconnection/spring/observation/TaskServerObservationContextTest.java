package dev.persistentconnection.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The client's address in the form a tracer parses into the span's peer address and port. */
class TaskServerObservationContextTest {

    @Test
    void anIpv4ClientIsAUriWithItsAddressAndPort() throws Exception {
        String address = TaskServerObservationContext.uri(
                new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 40123));
        assertThat(address).isEqualTo("tcp://127.0.0.1:40123");
        assertThat(URI.create(address).getHost()).isEqualTo("127.0.0.1");
        assertThat(URI.create(address).getPort()).isEqualTo(40123);
    }

    @Test
    void anIpv6ClientIsBracketedSoThatItsPortStaysApart() throws Exception {
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        String address =
                TaskServerObservationContext.uri(new InetSocketAddress(InetAddress.getByAddress(loopback), 40123));
        assertThat(URI.create(address).getHost()).isEqualTo("[0:0:0:0:0:0:0:1]");
        assertThat(URI.create(address).getPort()).isEqualTo(40123);
    }
}
