package dev.persistentconnection.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Snapshots of what a leak would show: threads (by name, without the JVM's own) and open file descriptors. */
final class Resources {

    /** Threads that come and go with the JVM or the test framework, not with the code under test. */
    private static final List<String> NOISE = List.of(
            "C1 CompilerThread",
            "C2 CompilerThread",
            "Compiler",
            "ForkJoinPool.commonPool-worker",
            "Common-Cleaner",
            "Attach Listener",
            "process reaper",
            "awaitility",
            "junit-",
            "surefire-",
            "globalEventExecutor",
            "Notification Thread",
            "Signal Dispatcher",
            "Reference Handler",
            "Finalizer",
            "main",
            "Monitor Deflation",
            "Service Thread",
            "Sweeper",
            "JFR",
            "Java2D",
            "Catalina",
            "background-preinit",
            "ObjectCleanerThread",
            "Cleaner-",
            // Spring Cloud's host look-up at startup (on this module's class path for the catalog test only).
            "spring.cloud.inetutils");

    private Resources() {}

    /** Live threads of interest, name to count. */
    static TreeMap<String, Integer> threads() {
        TreeMap<String, Integer> names = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && NOISE.stream().noneMatch(t.getName()::startsWith)) {
                names.merge(t.getName().replaceAll("-\\d+$", "-N").replaceAll("-\\d+-N$", "-N-N"), 1, Integer::sum);
            }
        }
        return names;
    }

    /** Every live thread's name (for reports). */
    static TreeSet<String> allThreadNames() {
        TreeSet<String> names = new TreeSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
        return names;
    }

    /** Open file descriptors of this process. */
    static int fds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count() - 1; // the directory stream itself
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Open file descriptors of this process, number to what each refers to (for leak reports). */
    static TreeMap<Integer, String> fdTargets() {
        TreeMap<Integer, String> targets = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(p -> {
                try {
                    targets.put(
                            Integer.parseInt(p.getFileName().toString()),
                            Files.readSymbolicLink(p).toString());
                } catch (IOException | NumberFormatException ignored) {
                    // closed meanwhile
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return targets;
    }

    /** The descriptors open now that were not open (to the same target) in {@code before}. */
    static TreeMap<Integer, String> newFds(TreeMap<Integer, String> before) {
        TreeMap<Integer, String> added = new TreeMap<>(fdTargets());
        added.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return added;
    }

    /** Open TCP sockets of this process (the JVM and the logging may hold unix sockets of their own). */
    static int tcpSockets() {
        return (int) socketDetails().stream().filter(d -> d.contains("=tcp")).count();
    }

    /** Open sockets of this process. */
    static int sockets() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.filter(p -> {
                        try {
                            return Files.readSymbolicLink(p).toString().startsWith("socket:");
                        } catch (IOException e) {
                            return false; // closed meanwhile
                        }
                    })
                    .count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The open sockets with their TCP entries from /proc/net (local, remote, state), for reports. */
    static List<String> socketDetails() {
        java.util.Map<String, String> byInode = new java.util.HashMap<>();
        for (String table : List.of(
                "/proc/self/net/tcp",
                "/proc/self/net/tcp6",
                "/proc/self/net/udp",
                "/proc/self/net/udp6",
                "/proc/self/net/raw",
                "/proc/self/net/raw6",
                "/proc/self/net/unix")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (table.endsWith("unix") && f.length >= 7) {
                        byInode.put(f[6], "unix " + (f.length > 7 ? f[7] : ""));
                    } else if (f.length > 9 && f[0].endsWith(":")) {
                        byInode.put(
                                f[9],
                                table.substring(table.lastIndexOf('/') + 1) + " " + port(f[1]) + "->" + port(f[2])
                                        + " state " + f[3]);
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // table not available
            }
        }
        try { // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
            for (String line : Files.readAllLines(Path.of("/proc/self/net/netlink"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 10 && !f[0].equals("sk")) {
                    byInode.put(f[9], "netlink protocol " + f[1] + " pid " + f[2]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // table not available
        }
        List<String> out = new java.util.ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(p -> {
                try {
                    String link = Files.readSymbolicLink(p).toString();
                    if (link.startsWith("socket:[")) {
                        String inode = link.substring(8, link.length() - 1);
                        String fd = p.getFileName().toString();
                        out.add(fd + "="
                                + byInode.getOrDefault(
                                        inode,
                                        link
                                                + " (in no tcp/udp/raw/unix/netlink table: a TCP socket closed by the kernel (reset)"
                                                + " or never connected, with its fd still open; " + addresses(fd)
                                                + ")"));
                    }
                } catch (IOException ignored) {
                    // closed meanwhile
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /**
     * The socket's own and peer address, asked of the kernel through the JDK's internal {@code sun.nio.ch.Net}
     * (opened to this module by the surefire configuration): the local port tells whose socket it is (the server's
     * port, the proxy's, or an outgoing one), where the /proc tables no longer list it.
     */
    private static String addresses(String fdNumber) {
        try {
            java.io.FileDescriptor fd = new java.io.FileDescriptor();
            java.lang.reflect.Field field = java.io.FileDescriptor.class.getDeclaredField("fd");
            field.setAccessible(true);
            field.setInt(fd, Integer.parseInt(fdNumber));
            Class<?> net = Class.forName("sun.nio.ch.Net");
            java.lang.reflect.Method local = net.getDeclaredMethod("localAddress", java.io.FileDescriptor.class);
            java.lang.reflect.Method remote = net.getDeclaredMethod("remoteAddress", java.io.FileDescriptor.class);
            local.setAccessible(true);
            remote.setAccessible(true);
            String peer;
            try {
                peer = String.valueOf(remote.invoke(null, fd));
            } catch (java.lang.reflect.InvocationTargetException e) {
                peer = "none (" + e.getCause().getMessage() + ")";
            }
            return "local " + local.invoke(null, fd) + ", peer " + peer;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "addresses unknown: " + e;
        }
    }

    private static String port(String hexAddress) {
        int colon = hexAddress.lastIndexOf(':');
        return String.valueOf(Integer.parseInt(hexAddress.substring(colon + 1), 16));
    }
}
