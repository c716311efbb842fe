package dev.persistentconnection.tasks;

/**
 * The frames exchanged after the handshake (see PROTOCOL.md). Decoded frames own their byte arrays.
 */
sealed interface Frame {
    byte TASK = 0x01;
    byte CANCEL = 0x02;
    byte GOODBYE = 0x03;
    byte PING = 0x04;
    byte PONG = 0x05;
    /** Version 2: a TASK with metadata. */
    byte TASK_META = 0x06;

    byte OK = 0x10;
    byte ERROR = 0x11;

    /** Bytes of a frame's length prefix. */
    int LENGTH_FIELD = 4;
    /** Kind byte + task id + code: the fixed part of a TASK frame body. */
    int TASK_HEADER = 1 + 4 + 2;
    /** Kind byte + task id + flags: the fixed part of an OK frame body. */
    int OK_HEADER = 1 + 4 + 1;
    /** OK flag: this frame ends the response. */
    int FLAG_END = 0x01;

    /** Kind byte + task id + code + metadata length: the fixed part of a TASK_META frame body. */
    int TASK_META_HEADER = TASK_HEADER + 2;

    /**
     * Client to server: run task {@code code} under {@code taskId}; with metadata (version 2) it is sent as
     * TASK_META.
     */
    record Task(int taskId, int code, byte[] payload, java.util.Map<String, String> metadata) implements Frame {
        Task(int taskId, int code, byte[] payload) {
            this(taskId, code, payload, java.util.Map.of());
        }
    }

    /** Client to server: cancel task {@code taskId}. */
    record Cancel(int taskId) implements Frame {}

    /** Either way: the sender is going away (see PROTOCOL.md for each direction). */
    record Goodbye() implements Frame {}

    /** Either way: heartbeat request. */
    record Ping() implements Frame {}

    /** Either way: heartbeat answer. */
    record Pong() implements Frame {}

    /** Server to client: a chunk of a task's response; {@code end} marks the last one. */
    record Ok(int taskId, boolean end, byte[] data, int offset, int length) implements Frame {
        Ok(int taskId, boolean end, byte[] data) {
            this(taskId, end, data, 0, data.length);
        }
    }

    /** Server to client: the task failed with {@code errorCode}; final. */
    record Error(int taskId, int errorCode, String message) implements Frame {}
}
