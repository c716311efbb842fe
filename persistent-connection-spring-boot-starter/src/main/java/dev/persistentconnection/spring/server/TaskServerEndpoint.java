package dev.persistentconnection.spring.server;

import dev.persistentconnection.tasks.ConnectedClient;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code taskserver} actuator endpoint (read-only): the server's address, its task codes, the handler methods
 * serving them (bean, method, request and response types, streaming or not), and the connected clients with their
 * tasks in flight ({@link dev.persistentconnection.tasks.TaskServer#clients()}, each client's
 * tasks and their metadata).
 */
@Endpoint(id = "taskserver")
public class TaskServerEndpoint {

    private final ManagedTaskServer server;

    public TaskServerEndpoint(ManagedTaskServer server) {
        this.server = server;
    }

    @ReadOperation
    public Map<String, Object> taskServer() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("running", server.isRunning());
        server.localAddress()
                .ifPresent(address ->
                        result.put("address", address.getAddress().getHostAddress() + ":" + address.getPort()));
        result.put("taskCodes", server.taskCodes());
        List<Map<String, Object>> handlers = new ArrayList<>();
        for (TaskHandlerMethod handler : server.handlerMethods()) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("code", handler.code());
            h.put("name", handler.name());
            h.put("bean", handler.beanName());
            h.put(
                    "method",
                    handler.method().getDeclaringClass().getName() + "."
                            + handler.method().getName());
            h.put("requestType", typeName(handler.requestType()));
            h.put("responseType", typeName(handler.responseType()));
            h.put("streaming", handler.streaming());
            handlers.add(h);
        }
        result.put("handlers", handlers);
        List<Map<String, Object>> clients = new ArrayList<>();
        for (ConnectedClient client : server.clients()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("remoteAddress", String.valueOf(client.remoteAddress()));
            c.put("connectedAt", String.valueOf(client.connectedAt()));
            List<Map<String, Object>> tasks = new ArrayList<>();
            for (Integer id : client.tasks()) {
                client.metadata(id)
                        .ifPresent(m -> tasks.add(Map.of(
                                "taskId",
                                Integer.toUnsignedString(m.taskId()),
                                "code",
                                m.code(),
                                "since",
                                String.valueOf(m.timestamp()))));
            }
            c.put("tasks", tasks);
            clients.add(c);
        }
        result.put("clients", clients);
        return result;
    }

    /** The type's name, {@code "none"} for no payload or a {@code void} answer. */
    private static String typeName(@Nullable Type type) {
        return type == null ? "none" : type.getTypeName();
    }
}
