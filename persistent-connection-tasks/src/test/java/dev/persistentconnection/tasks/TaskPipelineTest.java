package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Both sides' pipelines after the handshake, in reading order, as TaskPipeline documents them. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TaskPipelineTest extends TestSupport {

    private static List<String> handlerNames(io.netty.channel.Channel channel) {
        // names() also lists Netty's tail context, which is not ours
        return channel.pipeline().names().stream()
                .filter(name -> !name.startsWith("DefaultChannelPipeline$"))
                .toList();
    }

    @Test
    void afterTheHandshakeEachSideReadsThroughItsHandlersInTheDocumentedOrder() throws Exception {
        TaskServer server = start(serverBuilder().build().register(1, TaskHandler.of(payload -> payload), "echo"));
        TaskClient client = connect(server);
        assertThat(result(client.submit(1, utf8("x")))).asString().isEqualTo("x");

        assertThat(handlerNames(client.handler().channel()))
                .containsExactly(
                        TaskPipeline.FLUSH,
                        TaskPipeline.IDLE,
                        TaskPipeline.FRAMES,
                        TaskPipeline.HEARTBEAT,
                        TaskPipeline.ENCODER,
                        TaskPipeline.CLIENT);
        await().until(() -> server.numClients() == 1);
        ClientSession session = ((ClientView) server.clients().get(0)).session();
        assertThat(handlerNames(session.channel()))
                .containsExactly(
                        TaskPipeline.FLUSH,
                        TaskPipeline.IDLE,
                        TaskPipeline.FRAMES,
                        TaskPipeline.HEARTBEAT,
                        TaskPipeline.ENCODER,
                        TaskPipeline.WRITE_TIMEOUT,
                        TaskPipeline.DISPATCH);
    }
}
