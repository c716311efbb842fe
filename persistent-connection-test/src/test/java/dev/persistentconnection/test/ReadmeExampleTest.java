package dev.persistentconnection.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.persistentconnection.ConnectionEvent;
import dev.persistentconnection.VirtualTimeSource;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's example of testing your own code's reaction to an outage, kept compiling and passing. */
@ExtendWith(VirtualTimeExtension.class)
class ReadmeExampleTest {

    /** Your code: a status line that follows the connection, for a dashboard. */
    static final class StatusLine implements Consumer<ConnectionEvent<?, ?>> {
        volatile String text = "starting";

        @Override
        public void accept(ConnectionEvent<?, ?> event) {
            if (event instanceof ConnectionEvent.Connected<?, ?>) {
                text = "up";
            } else if (event instanceof ConnectionEvent.Disconnected<?, ?>) {
                text = "down";
            } else if (event instanceof ConnectionEvent.FailedToConnect<?, ?> failed) {
                text = "down: " + failed.error().getMessage();
            }
        }
    }

    @Test
    void theStatusLineFollowsAnOutage(VirtualTimeSource time) {
        ConnectionScenario s = new ConnectionScenario(time).start();
        StatusLine status = new StatusLine();
        s.connection().subscribe(status);

        FakeConnection first = s.connectTo("replica-1");
        assertThat(status.text).isEqualTo("up");

        first.peerClose(); // the server goes away
        assertThat(status.text).isEqualTo("down");
        time.advanceBy(ConnectionScenario.DELAY); // the retry delay passes: a new cycle starts
        s.addressFails("no replica"); // the catalog has nothing
        assertThat(status.text).isEqualTo("down: no replica");

        time.advanceBy(Duration.ofSeconds(9));
        assertThat(s.addressLookups()).as("no attempt before the delay").isEmpty();
        time.advanceBy(Duration.ofSeconds(1));
        s.connectTo("replica-2"); // back
        assertThat(status.text).isEqualTo("up");
        s.assertEvents(
                "Attempting_to_connect",
                "(Obtained_address replica-1)",
                "(Connected <opaque>)",
                "Disconnected",
                "Attempting_to_connect",
                "(Failed_to_connect no replica)",
                "(Obtained_address replica-2)",
                "(Connected <opaque>)");
    }
}
