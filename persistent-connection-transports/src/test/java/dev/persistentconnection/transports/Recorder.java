package dev.persistentconnection.transports;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A handler that records what it receives, with the thread it ran on. */
final class Recorder implements MessageHandler {
    final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<String> threads = new LinkedBlockingQueue<>();

    @Override
    public void onMessage(MessageSession session, Message message) {
        threads.add(Thread.currentThread().getName());
        messages.add(message);
    }

    /** The next message, failing after 10 s. */
    Message next() throws InterruptedException {
        Message m = messages.poll(30, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message within 30 s");
        }
        return m;
    }

    String nextText() throws InterruptedException {
        return next().text();
    }
}
