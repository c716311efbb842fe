package dev.persistentconnection.test;

import dev.persistentconnection.VirtualTimeSource;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a fresh {@link VirtualTimeSource}: as a parameter of the test method (or of a lifecycle method or
 * constructor) with {@code @ExtendWith(VirtualTimeExtension.class)}, or through {@link #time()} when the extension
 * is a field:
 *
 * <pre>{@code
 * @RegisterExtension
 * final VirtualTimeExtension virtualTime = new VirtualTimeExtension();
 *
 * @Test
 * void retriesAfterTheDelay(VirtualTimeSource time) {
 *     ConnectionScenario s = new ConnectionScenario(time).start();
 *     ...
 * }
 * }</pre>
 *
 * <p>The clock starts at the same instant in every test, so failures replay exactly.
 */
public final class VirtualTimeExtension implements BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(VirtualTimeExtension.class);

    private VirtualTimeSource current;

    /** The clock of the running test. */
    public VirtualTimeSource time() {
        if (current == null) {
            throw new IllegalStateException("no test is running with this extension");
        }
        return current;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        current = timeOf(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == VirtualTimeSource.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return timeOf(context);
    }

    private static VirtualTimeSource timeOf(ExtensionContext context) {
        return context.getStore(NAMESPACE)
                .getOrComputeIfAbsent(VirtualTimeSource.class, key -> new VirtualTimeSource(), VirtualTimeSource.class);
    }
}
