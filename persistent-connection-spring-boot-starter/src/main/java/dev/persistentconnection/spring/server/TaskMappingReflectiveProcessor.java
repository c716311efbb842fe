package dev.persistentconnection.spring.server;

import dev.persistentconnection.tasks.ConnectedClient;
import dev.persistentconnection.tasks.TaskContext;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.aot.hint.annotation.ReflectiveProcessor;
import org.springframework.aot.hint.annotation.SimpleReflectiveProcessor;

/**
 * Runtime hints of a {@link TaskMapping @TaskMapping} method under AOT: the method is invoked reflectively, and
 * its payload and answer types are bound by the JSON mapper.
 */
class TaskMappingReflectiveProcessor implements ReflectiveProcessor {

    private final SimpleReflectiveProcessor methods = new SimpleReflectiveProcessor();

    private final BindingReflectionHintsRegistrar bindings = new BindingReflectionHintsRegistrar();

    @Override
    public void registerReflectionHints(ReflectionHints hints, AnnotatedElement element) {
        methods.registerReflectionHints(hints, element);
        if (element instanceof Method method) {
            for (Type type : method.getGenericParameterTypes()) {
                if (type != TaskContext.class && type != ConnectedClient.class) {
                    bindings.registerReflectionHints(hints, type);
                }
            }
            bindings.registerReflectionHints(hints, TaskHandlerMethod.answerType(method));
        }
    }
}
