package dev.persistentconnection.sample;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;

/**
 * Reads JSON for assertions inside polls: a path that is not there (yet) reads as {@code null} instead of throwing
 * {@code PathNotFoundException}, which would escape an Awaitility {@code untilAsserted} (it retries only on
 * assertion errors) and fail a test that only had to wait.
 */
final class Json {

    private static final Configuration LENIENT =
            Configuration.defaultConfiguration().addOptions(Option.SUPPRESS_EXCEPTIONS);

    private Json() {}

    /** The value at {@code path}, or {@code null} when the document has nothing there. */
    static <T> T read(String json, String path, Class<T> type) {
        return JsonPath.using(LENIENT).parse(json).read(path, type);
    }
}
