package dev.persistentconnection;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/** {@link HostResolver#system()}: DNS through JNDI at every call, {@link InetAddress} where DNS cannot answer. */
final class SystemHostResolver implements HostResolver {

    static final SystemHostResolver INSTANCE = new SystemHostResolver();

    private static final String[] RECORD_TYPES = {"A", "AAAA"};

    /** Blocking lookups run here: at most two threads, which end after 30 s without work. */
    private static final ExecutorService LOOKUPS = newLookupPool();

    private SystemHostResolver() {}

    @Override
    public CompletionStage<List<InetAddress>> resolve(String host) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return lookUp(host);
                    } catch (UnknownHostException error) {
                        throw new java.util.concurrent.CompletionException(error);
                    }
                },
                LOOKUPS);
    }

    static List<InetAddress> lookUp(String host) throws UnknownHostException {
        if (isLiteral(host) || host.toLowerCase(Locale.ROOT).equals("localhost") || host.indexOf('.') < 0) {
            return List.of(InetAddress.getAllByName(host));
        }
        try {
            List<InetAddress> found = queryDns(host);
            if (!found.isEmpty()) {
                return found;
            }
        } catch (NameNotFoundException unknownToDns) {
            // an /etc/hosts name, perhaps: fall through to the JVM's resolver
        } catch (NamingException dnsUnreachable) {
            UnknownHostException fallbackFailed;
            try {
                return List.of(InetAddress.getAllByName(host));
            } catch (UnknownHostException error) {
                fallbackFailed = error;
            }
            fallbackFailed.addSuppressed(dnsUnreachable);
            throw fallbackFailed;
        }
        return List.of(InetAddress.getAllByName(host));
    }

    private static List<InetAddress> queryDns(String host) throws NamingException, UnknownHostException {
        Hashtable<String, String> environment = new Hashtable<>();
        environment.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        environment.put(Context.PROVIDER_URL, "dns:");
        environment.put("com.sun.jndi.dns.timeout.initial", "1000");
        environment.put("com.sun.jndi.dns.timeout.retries", "2");
        DirContext context = new InitialDirContext(environment);
        try {
            Attributes attributes = context.getAttributes(host, RECORD_TYPES);
            List<InetAddress> addresses = new ArrayList<>();
            for (String type : RECORD_TYPES) {
                Attribute records = attributes.get(type);
                if (records == null) {
                    continue;
                }
                NamingEnumeration<?> values = records.getAll();
                while (values.hasMore()) {
                    String literal = String.valueOf(values.next());
                    // a literal: no lookup; keep the name for TLS host name checks and for logs
                    addresses.add(InetAddress.getByAddress(
                            host, InetAddress.getByName(literal).getAddress()));
                }
            }
            return addresses;
        } finally {
            context.close();
        }
    }

    private static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private static ExecutorService newLookupPool() {
        ThreadPoolExecutor pool =
                new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "persistent-connection-dns");
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    @Override
    public String toString() {
        return "HostResolver.system()";
    }
}
