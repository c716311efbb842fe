package dev.persistentconnection.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A free TCP port on 127.0.0.1 for a server that must listen on a port known in advance, or come back on the same
 * port after a stop. Port 0 is better wherever it works; where it does not, this port is taken outside the
 * kernel's ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}), the range it hands out to every
 * client socket and every {@code bind(0)} on the machine: a port picked inside it can be taken by anyone between
 * the check and the bind, or between a stop and the restart.
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;

    private FreePorts() {}

    /** A port that is free now and that the kernel will not hand out by itself. */
    public static int outsideTheEphemeralRange() {
        int[] ephemeral = ephemeralRange();
        boolean below = ephemeral[0] - LOWEST >= 1_000;
        int from = below ? LOWEST : ephemeral[1] + 1;
        int to = below ? ephemeral[0] - 1 : 65_535;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(from, to + 1);
            if (isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("No free port in " + from + ".." + to + " after 200 tries");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException ex) {
            return false;
        }
    }

    /** The kernel's ephemeral range, or Linux's default when it cannot be read. */
    private static int[] ephemeralRange() {
        try {
            String[] bounds = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .trim()
                    .split("\\s+");
            return new int[] {Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1])};
        } catch (IOException | RuntimeException ex) {
            return new int[] {32_768, 60_999};
        }
    }
}
