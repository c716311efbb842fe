package dev.persistentconnection.tasks;

import java.net.SocketAddress;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The {@link ConnectedClient} view of one {@link ClientSession}: reads its task map, delegates its commands. */
final class ClientView implements ConnectedClient {
    private final ClientSession session;

    ClientView(ClientSession session) {
        this.session = session;
    }

    ClientSession session() {
        return session;
    }

    @Override
    public SocketAddress remoteAddress() {
        return session.channel().remoteAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return session.channel().localAddress();
    }

    @Override
    public Instant connectedAt() {
        return session.connectedAt();
    }

    @Override
    public int protocolVersion() {
        return session.protocolVersion();
    }

    @Override
    public ByteOrder byteOrder() {
        return session.littleEndian() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    }

    @Override
    public List<Integer> tasks() {
        return session.tasks().keySet().stream()
                .sorted(Integer::compareUnsigned)
                .toList();
    }

    @Override
    public List<Integer> taskCodes() {
        return session.tasks().values().stream()
                .sorted(Comparator.comparingLong(RunningTask::sequence))
                .map(RunningTask::code)
                .toList();
    }

    @Override
    public List<Integer> tasksWithCode(int code) {
        return session.tasks().values().stream()
                .filter(t -> t.code() == code)
                .map(RunningTask::taskId)
                .sorted(Integer::compareUnsigned)
                .toList();
    }

    @Override
    public Optional<TaskMetadata> metadata(int taskId) {
        RunningTask t = session.tasks().get(taskId);
        return t == null ? Optional.empty() : Optional.of(new TaskMetadata(taskId, t.code(), t.timestamp()));
    }

    @Override
    public Optional<Object> runData(int taskId) {
        RunningTask t = session.tasks().get(taskId);
        return t == null ? Optional.empty() : Optional.ofNullable(t.runData());
    }

    @Override
    public void cancel(int taskId) {
        RunningTask t = session.tasks().get(taskId);
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public void cancelAll() {
        session.cancelAll();
    }

    @Override
    public void disconnect(Duration grace) {
        session.disconnect(grace);
    }

    @Override
    public void close() {
        session.close("closed by the server");
    }

    @Override
    public boolean isClosed() {
        return !session.channel().isOpen();
    }

    @Override
    public Optional<String> closeReason() {
        return Optional.ofNullable(session.closeReason());
    }

    /** Answer bytes handed to this connection and not yet written, for tests. */
    long pendingOutboundBytes() {
        return session.answers().queuedBytes();
    }

    @Override
    public String toString() {
        return session.toString();
    }
}
