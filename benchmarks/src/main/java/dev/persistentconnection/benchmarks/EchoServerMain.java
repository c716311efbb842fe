package dev.persistentconnection.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The server JVM of target 6: {@code EchoServerMain tasks|grpc|grpc-direct|raw-netty} prints {@code PORT <n>},
 * serves until it reads
 * {@code stop} or its standard input closes (the parent died), or 15 minutes have passed, then stops and exits.
 */
public final class EchoServerMain {
    public static void main(String[] args) throws Exception {
        Echo.EchoServer server = Echo.startServer(args[0]);
        Thread watchdog = new Thread(
                () -> {
                    Results.sleep(15 * 60 * 1000);
                    System.err.println("echo server: 15 minutes are over, exiting");
                    System.exit(2);
                },
                "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        System.out.println("PORT " + server.port());
        System.out.flush();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null && !line.trim().equals("stop")) {
                // keep serving
            }
        }
        server.close();
        System.exit(0);
    }
}
