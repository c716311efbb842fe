package dev.persistentconnection.spring.server;

import dev.persistentconnection.spring.codec.TaskPayloadCodec;
import dev.persistentconnection.tasks.TaskServer;
import io.micrometer.observation.ObservationRegistry;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Finds the {@link TaskMapping @TaskMapping} methods of the {@link TaskController @TaskController} beans and checks
 * them: a code served twice, or a reserved code, fails naming the beans.
 */
public final class TaskHandlerMethods {

    private TaskHandlerMethods() {}

    /**
     * The handler methods of every {@code @TaskController} bean of {@code beanFactory}, by code.
     * @throws IllegalStateException if two methods serve one code, a code is reserved, or a method's parameters
     * or return type cannot be served
     */
    public static Map<Integer, TaskHandlerMethod> detect(
            ListableBeanFactory beanFactory,
            TaskPayloadCodec codec,
            List<TaskExceptionMapper> exceptionMappers,
            ObservationRegistry observations,
            TaskServerMeters meters) {
        Map<Integer, TaskHandlerMethod> byCode = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry :
                beanFactory.getBeansWithAnnotation(TaskController.class).entrySet()) {
            String beanName = entry.getKey();
            Object bean = entry.getValue();
            Class<?> type = AopUtils.getTargetClass(bean);
            Map<Method, TaskMapping> methods =
                    MethodIntrospector.selectMethods(type, (MethodIntrospector.MetadataLookup<TaskMapping>)
                            method -> AnnotatedElementUtils.findMergedAnnotation(method, TaskMapping.class));
            List<Method> ordered = new ArrayList<>(methods.keySet());
            ordered.sort((a, b) -> a.toString().compareTo(b.toString()));
            for (Method method : ordered) {
                TaskMapping mapping = methods.get(method);
                int code = mapping.code();
                Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
                if (code < 0 || code > TaskServer.MAX_USER_TASK_CODE) {
                    throw new IllegalStateException("@TaskMapping(code = " + code + ") on '" + beanName + "' ("
                            + type.getName() + "." + method.getName() + ") is outside 0.."
                            + TaskServer.MAX_USER_TASK_CODE + "; codes 0xFF00..0xFFFF are reserved for the protocol");
                }
                TaskHandlerMethod handler = new TaskHandlerMethod(
                        beanName, bean, invocable, mapping, codec, exceptionMappers, observations, meters);
                TaskHandlerMethod previous = byCode.putIfAbsent(code, handler);
                if (previous != null) {
                    throw new IllegalStateException("Task code " + code + " is served twice: by "
                            + previous.describe() + " and by " + handler.describe()
                            + "; give one of them another @TaskMapping code");
                }
            }
        }
        return byCode;
    }
}
