package dev.persistentconnection.sample;

import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/** Reads a server-sent-event stream with the JDK HttpClient on a thread of its own, and keeps every event. */
final class SseRecorder implements AutoCloseable {

    /** One event: its SSE name and id, and the fields of its JSON data. */
    record Received(String event, long id, String type, String time, String connection, String kind, String detail) {}

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile Stream<String> lines;
    private volatile int status;
    private volatile String contentType;

    SseRecorder(HttpClient http, URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        reader = new Thread(() -> read(http, request), "sse-recorder");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(HttpClient http, HttpRequest request) {
        try {
            HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
            status = response.statusCode();
            contentType = response.headers().firstValue("Content-Type").orElse("");
            lines = response.body();
            String event = null;
            long id = -1;
            StringBuilder data = new StringBuilder();
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        record(event, id, data.toString());
                    }
                    event = null;
                    id = -1;
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("id:")) {
                    id = Long.parseLong(line.substring(3).trim());
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5));
                }
            }
        } catch (Exception ex) {
            // closed
        }
    }

    /** One event; one that does not parse is kept as such instead of ending the recording. */
    private void record(String event, long id, String json) {
        try {
            received.add(new Received(
                    event,
                    id,
                    JsonPath.read(json, "$.type"),
                    JsonPath.read(json, "$.time"),
                    JsonPath.read(json, "$.connection"),
                    JsonPath.read(json, "$.kind"),
                    JsonPath.read(json, "$.detail")));
        } catch (RuntimeException ex) {
            received.add(new Received(event, id, "unparsed", "", null, "Unparsed", json));
        }
    }

    int status() {
        return status;
    }

    String contentType() {
        return contentType;
    }

    List<Received> events() {
        return new ArrayList<>(received);
    }

    @Override
    public void close() {
        Stream<String> current = lines;
        if (current != null) {
            current.close();
        }
        reader.interrupt();
        try {
            reader.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
