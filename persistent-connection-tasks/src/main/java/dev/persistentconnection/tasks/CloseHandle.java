package dev.persistentconnection.tasks;

/** Closes one connection, recording why. */
@FunctionalInterface
interface CloseHandle {
    void close(String reason);
}
