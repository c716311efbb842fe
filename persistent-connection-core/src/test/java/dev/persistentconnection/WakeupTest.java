package dev.persistentconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class WakeupTest {

    /** An executor that only queues; the test runs the queued tasks by hand. */
    private static final class QueuedExecutor implements Executor {
        final Deque<Runnable> queue = new ArrayDeque<>();

        @Override
        public void execute(Runnable command) {
            queue.add(command);
        }

        int size() {
            return queue.size();
        }

        /** Runs the queued tasks, including the ones they queue, until none is left. */
        void drain() {
            Runnable next;
            while ((next = queue.poll()) != null) {
                next.run();
            }
        }

        /** Runs exactly the oldest queued task. */
        void runOne() {
            Runnable next = queue.poll();
            assertThat(next).as("a queued task").isNotNull();
            next.run();
        }
    }

    /** Counts runs and records whether two runs ever overlapped. */
    private static final class OverlapDetector {
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger maxActive = new AtomicInteger();
        final AtomicInteger runs = new AtomicInteger();

        void enter() {
            int now = active.incrementAndGet();
            maxActive.accumulateAndGet(now, Math::max);
            runs.incrementAndGet();
        }

        void exit() {
            active.decrementAndGet();
        }
    }

    private static void shutdownAndAwait(ExecutorService executor) throws InterruptedException {
        executor.shutdown();
        assertThat(executor.awaitTermination(20, TimeUnit.SECONDS))
                .as("executor terminated")
                .isTrue();
    }

    // ---------------------------------------------------------------- coalescing

    @Test
    void sendsBeforeTheCallbackRunsAreCoalescedIntoOneRun() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(executor, runs::incrementAndGet);

        for (int i = 0; i < 5; i++) {
            wakeup.send();
        }

        assertThat(runs).hasValue(0);
        assertThat(executor.size()).as("one task handed to the executor").isEqualTo(1);
        executor.drain();
        assertThat(runs).hasValue(1);
        assertThat(executor.size()).isZero();
    }

    @Test
    void aSendAfterARunHasFinishedGivesAnotherRun() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(executor, runs::incrementAndGet);

        wakeup.send();
        executor.drain();
        wakeup.send();
        wakeup.send();
        assertThat(executor.size()).isEqualTo(1);
        executor.drain();

        assertThat(runs).hasValue(2);
    }

    @Test
    void noSendNoRun() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        Wakeup.create(executor, runs::incrementAndGet);

        assertThat(executor.size()).isZero();
        assertThat(runs).hasValue(0);
    }

    @Test
    void aSendDuringARunGivesExactlyOneMoreRun() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<Wakeup> self = new AtomicReference<>();
        Wakeup wakeup = Wakeup.create(executor, () -> {
            if (runs.incrementAndGet() == 1) {
                self.get().send();
            }
        });
        self.set(wakeup);

        wakeup.send();
        executor.drain();

        assertThat(runs).hasValue(2);
        assertThat(executor.size()).isZero();
    }

    @Test
    void severalSendsDuringARunGiveOnlyOneMoreRun() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<Wakeup> self = new AtomicReference<>();
        Wakeup wakeup = Wakeup.create(executor, () -> {
            if (runs.incrementAndGet() == 1) {
                for (int i = 0; i < 10; i++) {
                    self.get().send();
                }
            }
        });
        self.set(wakeup);

        wakeup.send();
        executor.drain();

        assertThat(runs).hasValue(2);
        assertThat(executor.size()).isZero();
    }

    @Test
    void aSendFromAnotherThreadDuringARunGivesExactlyOneMoreRunAndRunsNeverOverlap() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2); // room for a second, overlapping run
        try {
            OverlapDetector detector = new OverlapDetector();
            CountDownLatch firstRunStarted = new CountDownLatch(1);
            CountDownLatch releaseFirstRun = new CountDownLatch(1);
            CountDownLatch twoRuns = new CountDownLatch(2);
            Wakeup wakeup = Wakeup.create(executor, () -> {
                detector.enter();
                try {
                    if (detector.runs.get() == 1) {
                        firstRunStarted.countDown();
                        await(releaseFirstRun);
                    }
                } finally {
                    detector.exit();
                    twoRuns.countDown();
                }
            });

            wakeup.send();
            assertThat(firstRunStarted.await(10, TimeUnit.SECONDS)).isTrue();
            wakeup.send();
            wakeup.send();
            wakeup.send();
            assertThat(detector.runs)
                    .as("no second run while the first is under way")
                    .hasValue(1);
            releaseFirstRun.countDown();
            assertThat(twoRuns.await(10, TimeUnit.SECONDS)).isTrue();

            shutdownAndAwait(executor);
            assertThat(detector.runs).hasValue(2);
            assertThat(detector.maxActive).as("runs never overlap").hasValue(1);
        } finally {
            executor.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- close / isActive

    @Test
    void isActiveUntilClosed() {
        QueuedExecutor executor = new QueuedExecutor();
        Wakeup wakeup = Wakeup.create(executor, () -> {});

        assertThat(wakeup.isActive()).isTrue();
        wakeup.send();
        assertThat(wakeup.isActive()).isTrue();
        executor.drain();
        assertThat(wakeup.isActive()).isTrue();
        wakeup.close();
        assertThat(wakeup.isActive()).isFalse();
        wakeup.close(); // idempotent
        assertThat(wakeup.isActive()).isFalse();
    }

    @Test
    void aSendAfterCloseIsANoOp() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(executor, runs::incrementAndGet);

        wakeup.close();
        wakeup.send();
        wakeup.send();

        assertThat(executor.size()).as("nothing handed to the executor").isZero();
        executor.drain();
        assertThat(runs).hasValue(0);
        assertThat(wakeup.isActive()).isFalse();
    }

    @Test
    void aSendAfterCloseWithADirectExecutorDoesNotRun() {
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(Runnable::run, runs::incrementAndGet);

        wakeup.send();
        wakeup.close();
        wakeup.send();

        assertThat(runs).hasValue(1);
    }

    @Test
    void aRunQueuedBeforeCloseDoesNotRunOnceClosed() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(executor, runs::incrementAndGet);

        wakeup.send();
        assertThat(executor.size()).isEqualTo(1);
        wakeup.close();
        executor.drain();

        assertThat(runs).hasValue(0);
        wakeup.send();
        assertThat(executor.size()).isZero();
        assertThat(runs).hasValue(0);
    }

    @Test
    void closeDuringARunLetsThatRunFinishButPreventsThePendingRerun() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicReference<Wakeup> self = new AtomicReference<>();
        Wakeup wakeup = Wakeup.create(executor, () -> {
            runs.incrementAndGet();
            self.get().send(); // asks for one more run...
            self.get().close(); // ...which close() then cancels
            finished.set(true); // the run under way still finishes
        });
        self.set(wakeup);

        wakeup.send();
        executor.drain();

        assertThat(runs).hasValue(1);
        assertThat(finished).isTrue();
        assertThat(executor.size()).isZero();
        assertThat(wakeup.isActive()).isFalse();
    }

    @Test
    void closeFromAnotherThreadDuringARunPreventsFurtherRuns() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Wakeup wakeup = Wakeup.create(executor, () -> {
                runs.incrementAndGet();
                started.countDown();
                await(release);
            });

            wakeup.send();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            wakeup.send(); // would give one more run...
            wakeup.close(); // ...but the wakeup is closed before that run starts
            wakeup.send();
            release.countDown();

            shutdownAndAwait(executor);
            assertThat(runs).hasValue(1);
        } finally {
            executor.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- direct executor

    @Test
    void aDirectExecutorRunsTheCallbackOnTheSendingThreadBeforeSendReturns() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(Runnable::run, () -> {
            ranOn.set(Thread.currentThread());
            runs.incrementAndGet();
        });

        wakeup.send();
        assertThat(runs).hasValue(1);
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());

        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<Thread> sender = new AtomicReference<>();
            other.submit(() -> {
                        sender.set(Thread.currentThread());
                        wakeup.send();
                    })
                    .get(10, TimeUnit.SECONDS);
            assertThat(runs).hasValue(2);
            assertThat(ranOn.get()).isSameAs(sender.get()).isNotSameAs(Thread.currentThread());
        } finally {
            shutdownAndAwait(other);
        }
    }

    @Test
    void aSendFromInsideTheCallbackWithADirectExecutorRerunsWithoutRecursion() {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger depth = new AtomicInteger();
        AtomicInteger maxDepth = new AtomicInteger();
        AtomicReference<Wakeup> self = new AtomicReference<>();
        Wakeup wakeup = Wakeup.create(Runnable::run, () -> {
            maxDepth.accumulateAndGet(depth.incrementAndGet(), Math::max);
            try {
                if (runs.incrementAndGet() < 3) {
                    self.get().send();
                    self.get().send();
                }
            } finally {
                depth.decrementAndGet();
            }
        });
        self.set(wakeup);

        wakeup.send();

        assertThat(runs).hasValue(3);
        assertThat(maxDepth).as("the callback is never re-entered").hasValue(1);
    }

    // ---------------------------------------------------------------- failures

    @Test
    void aRejectingExecutorMakesSendThrowAndTheWakeupStaysUsable() {
        AtomicBoolean reject = new AtomicBoolean(true);
        QueuedExecutor queue = new QueuedExecutor();
        Executor executor = command -> {
            if (reject.get()) {
                throw new RejectedExecutionException("full");
            }
            queue.execute(command);
        };
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(executor, runs::incrementAndGet);

        assertThatThrownBy(wakeup::send)
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessage("full");
        assertThatThrownBy(wakeup::send).as("not stuck as 'scheduled'").isInstanceOf(RejectedExecutionException.class);
        assertThat(wakeup.isActive()).isTrue();
        assertThat(runs).hasValue(0);

        reject.set(false);
        wakeup.send();
        assertThat(queue.size()).isEqualTo(1);
        queue.drain();
        assertThat(runs).hasValue(1);
    }

    @Test
    void aThrowingCallbackLeavesTheWakeupUsable() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(executor, () -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("boom");
            }
        });

        wakeup.send();
        assertThatThrownBy(executor::drain)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("boom");
        assertThat(runs).hasValue(1);
        assertThat(executor.size()).isZero();

        wakeup.send();
        assertThat(executor.size()).as("a new run is scheduled").isEqualTo(1);
        executor.drain();
        assertThat(runs).hasValue(2);
        assertThat(wakeup.isActive()).isTrue();
    }

    @Test
    void aThrowingCallbackStillHonoursASendMadeDuringItsRun() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<Wakeup> self = new AtomicReference<>();
        Wakeup wakeup = Wakeup.create(executor, () -> {
            if (runs.incrementAndGet() == 1) {
                self.get().send();
                throw new IllegalStateException("boom");
            }
        });
        self.set(wakeup);

        wakeup.send();
        assertThatThrownBy(executor::runOne).isInstanceOf(IllegalStateException.class);
        assertThat(executor.size()).as("the requested rerun is scheduled").isEqualTo(1);
        executor.drain();
        assertThat(runs).hasValue(2);

        wakeup.send();
        executor.drain();
        assertThat(runs).hasValue(3);
    }

    @Test
    void aRejectedRerunAfterAThrowingCallbackDoesNotLeaveTheWakeupStuck() {
        AtomicBoolean reject = new AtomicBoolean(false);
        QueuedExecutor queue = new QueuedExecutor();
        Executor executor = command -> {
            if (reject.get()) {
                throw new RejectedExecutionException("full");
            }
            queue.execute(command);
        };
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<Wakeup> self = new AtomicReference<>();
        Wakeup wakeup = Wakeup.create(executor, () -> {
            if (runs.incrementAndGet() == 1) {
                self.get().send(); // asks for a rerun...
                reject.set(true); // ...which the executor will refuse
                throw new IllegalStateException("boom");
            }
        });
        self.set(wakeup);

        wakeup.send();
        // the callback's own failure is what the executor's thread sees; the rejection is attached to it
        assertThatThrownBy(queue::runOne)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("boom")
                .satisfies(e ->
                        assertThat(e.getSuppressed()).hasAtLeastOneElementOfType(RejectedExecutionException.class));

        reject.set(false);
        wakeup.send();
        assertThat(queue.size()).as("a new run can be scheduled").isEqualTo(1);
        queue.drain();
        assertThat(runs).hasValue(2);
    }

    @Test
    void aThrowingCallbackWithADirectExecutorThrowsFromSendAndTheNextSendRunsAgain() {
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(Runnable::run, () -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("boom");
            }
        });

        assertThatThrownBy(wakeup::send)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("boom");
        wakeup.send();
        assertThat(runs).hasValue(2);
    }

    @Test
    void anErrorThrownByTheCallbackAlsoResetsTheState() {
        QueuedExecutor executor = new QueuedExecutor();
        AtomicInteger runs = new AtomicInteger();
        Wakeup wakeup = Wakeup.create(executor, () -> {
            if (runs.incrementAndGet() == 1) {
                throw new AssertionError("error, not exception");
            }
        });

        wakeup.send();
        assertThatThrownBy(executor::drain).isInstanceOf(AssertionError.class);
        wakeup.send();
        executor.drain();
        assertThat(runs).hasValue(2);
    }

    @Test
    void createRejectsNulls() {
        assertThatThrownBy(() -> Wakeup.create(null, () -> {}))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("executor");
        assertThatThrownBy(() -> Wakeup.create(Runnable::run, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("callback");
    }

    // ---------------------------------------------------------------- stress

    private static final int SENDERS = 4;
    private static final int SENDS_PER_SENDER = 100_000;

    @Test
    void stressOnASingleThreadExecutor() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            stress(executor, () -> shutdownAndAwait(executor));
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void stressOnADirectExecutor() throws Exception {
        stress(Runnable::run, () -> {});
    }

    @FunctionalInterface
    private interface Quiesce {
        void run() throws Exception;
    }

    /**
     * Each sender bumps a counter, then sends. Once all senders and runs are done, the last run must have seen the
     * final count: every send's effect is observed by a run that starts after it.
     */
    private static void stress(Executor executor, Quiesce quiesce) throws Exception {
        AtomicLong sent = new AtomicLong();
        OverlapDetector detector = new OverlapDetector();
        AtomicLong lastSeen = new AtomicLong(-1);
        List<Long> failures = new ArrayList<>();
        Wakeup wakeup = Wakeup.create(executor, () -> {
            detector.enter();
            try {
                long seen = sent.get();
                long before = lastSeen.getAndSet(seen);
                if (seen < before) {
                    synchronized (failures) {
                        failures.add(seen); // a later run saw less than an earlier one
                    }
                }
            } finally {
                detector.exit();
            }
        });

        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                futures.add(senders.submit(() -> {
                    await(start);
                    for (int i = 0; i < SENDS_PER_SENDER; i++) {
                        sent.incrementAndGet();
                        wakeup.send();
                    }
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(25, TimeUnit.SECONDS);
            }
        } finally {
            shutdownAndAwait(senders);
        }
        quiesce.run();

        long total = (long) SENDERS * SENDS_PER_SENDER;
        assertThat(sent).hasValue(total);
        assertThat(lastSeen).as("the last run sees every send").hasValue(total);
        assertThat(failures).as("runs see a non-decreasing count").isEmpty();
        assertThat(detector.maxActive).as("runs never overlap").hasValue(1);
        assertThat(detector.active).hasValue(0);
        assertThat((long) detector.runs.get()).isBetween(1L, total);
        assertThat(wakeup.isActive()).isTrue();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
