package dev.persistentconnection.sample.status;

/**
 * One entry of the status page's timeline, as sent over server-sent events.
 *
 * @param seq        increasing number (also the SSE id)
 * @param type       {@code connection}, {@code server} or {@code task}
 * @param time       when, ISO-8601
 * @param connection the connection's name ({@code connection} events)
 * @param kind       {@code Attempting_to_connect}, {@code Obtained_address}, {@code Failed_to_connect},
 *                   {@code Connected}, {@code Disconnected}; {@code Server_stopped}... ; {@code Task_ok},
 *                   {@code Task_failed}
 * @param detail     the address, the error, or the task's answer
 */
public record FeedEvent(long seq, String type, String time, String connection, String kind, String detail) {}
