package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tasks over TLS, with a self-signed test certificate (src/test/resources/test-tls.p12, password "changeit"). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TlsTest extends TestSupport {

    private static KeyStore keyStore() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = TlsTest.class.getResourceAsStream("/test-tls.p12")) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks;
    }

    private static SslContext serverContext() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore(), "changeit".toCharArray());
        return SslContextBuilder.forServer(kmf).build();
    }

    private static SslContext clientContext() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(keyStore());
        return SslContextBuilder.forClient().trustManager(tmf).build();
    }

    @Test
    void tasksOverTls() throws Exception {
        TaskServer server = start(serverBuilder().sslContext(serverContext()).build());
        server.register(1, TaskHandler.of(p -> p), "echo");
        TaskClient client = connect(server, clientOptions().sslContext(clientContext()).build());
        assertThat(result(client.submit(1, utf8("secret")))).asString().isEqualTo("secret");
    }

    @Test
    void plainClientCannotTalkToATlsServer() throws Exception {
        TaskServer server = start(serverBuilder().sslContext(serverContext()).build());
        TaskConnector connector = closeLater(TaskClients.connector(clientOptions().build()));
        assertThatThrownBy(() -> result(connector.connect(server.localAddress()))).cause()
                .isInstanceOf(IOException.class);
    }
}
