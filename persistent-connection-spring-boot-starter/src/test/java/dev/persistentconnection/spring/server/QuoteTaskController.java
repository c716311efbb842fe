package dev.persistentconnection.spring.server;

import dev.persistentconnection.tasks.ConnectedClient;
import dev.persistentconnection.tasks.TaskContext;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The handlers the server tests call: typed, raw, streamed, slow, failing. */
@TaskController
public class QuoteTaskController {

    public static final int QUOTE = 1;
    public static final int ECHO = 2;
    public static final int RAW = 3;
    public static final int TICKS = 4;
    public static final int WAIT_FOR_CANCEL = 5;
    public static final int UNKNOWN_SYMBOL = 6;
    public static final int MAPPED_FAILURE = 7;
    public static final int PUBLISHED = 8;
    public static final int ITERATED = 9;
    public static final int SERIOUS_FAILURE = 10;
    public static final int HOLD = 11;
    public static final int CLIENT = 12;

    /** Counted down when a WAIT_FOR_CANCEL task saw its cancellation. */
    public volatile CountDownLatch cancelled = new CountDownLatch(1);

    /** Counted down when a HOLD task started; HOLD tasks finish when {@link #release} is counted down. */
    public volatile CountDownLatch held = new CountDownLatch(1);

    public volatile CountDownLatch release = new CountDownLatch(1);

    public record QuoteRequest(String symbol) {}

    public record Quote(String symbol, long priceCents) {}

    @TaskErrorCode(7)
    public static class UnknownSymbolException extends RuntimeException {
        public UnknownSymbolException(String symbol) {
            super("unknown symbol " + symbol);
        }
    }

    @TaskMapping(code = QUOTE)
    public Quote quote(QuoteRequest request) {
        if (request.symbol().equals("NONE")) {
            throw new UnknownSymbolException(request.symbol());
        }
        return new Quote(request.symbol(), 100 * request.symbol().length());
    }

    @TaskMapping(code = ECHO)
    public String echo(String text) {
        return text;
    }

    @TaskMapping(code = RAW)
    public byte[] raw(byte[] bytes) {
        byte[] reversed = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            reversed[i] = bytes[bytes.length - 1 - i];
        }
        return reversed;
    }

    @TaskMapping(code = TICKS)
    public Stream<Quote> ticks(QuoteRequest request) {
        return Stream.of(1, 2, 3).map(i -> new Quote(request.symbol(), i));
    }

    @TaskMapping(code = WAIT_FOR_CANCEL)
    public void waitForCancel(TaskContext context) throws InterruptedException {
        try {
            new CountDownLatch(1).await(30, TimeUnit.SECONDS); // until the cancel interrupts the task's thread
        } catch (InterruptedException ex) {
            // cancelled
        } finally {
            if (context.isCancelled()) {
                cancelled.countDown();
            }
        }
    }

    @TaskMapping(code = UNKNOWN_SYMBOL)
    public Quote unknown(QuoteRequest request) {
        throw new UnknownSymbolException(request.symbol());
    }

    @TaskMapping(code = MAPPED_FAILURE)
    public String mapped(String text) {
        throw new IllegalArgumentException("mapped: " + text);
    }

    @TaskMapping(code = PUBLISHED)
    public Flow.Publisher<String> published(String prefix) {
        SubmissionPublisher<String> publisher = new SubmissionPublisher<>();
        Thread producer = new Thread(() -> {
            try {
                while (publisher.getNumberOfSubscribers() == 0) {
                    Thread.onSpinWait();
                }
                for (int i = 0; i < 5; i++) {
                    publisher.submit(prefix + i);
                }
            } finally {
                publisher.close();
            }
        });
        producer.setDaemon(true);
        producer.start();
        return publisher;
    }

    @TaskMapping(code = ITERATED)
    public Iterator<String> iterated(String text) {
        return List.of(text.split(" ")).iterator();
    }

    @TaskMapping(code = SERIOUS_FAILURE)
    public String serious(String text) {
        throw new IllegalStateException("a bug: " + text);
    }

    @TaskMapping(code = HOLD)
    public String hold(String text) throws InterruptedException {
        held.countDown();
        if (!release.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("never released");
        }
        return "released " + text;
    }

    @TaskMapping(code = CLIENT)
    public String client(ConnectedClient client, String ignored) {
        return String.valueOf(client.remoteAddress());
    }
}
