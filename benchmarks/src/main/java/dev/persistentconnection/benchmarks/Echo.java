package dev.persistentconnection.benchmarks;

import dev.persistentconnection.AddressSuppliers;
import dev.persistentconnection.PersistentConnection;
import dev.persistentconnection.tasks.TaskClient;
import dev.persistentconnection.tasks.TaskClientOptions;
import dev.persistentconnection.tasks.TaskClients;
import dev.persistentconnection.tasks.TaskConnector;
import dev.persistentconnection.tasks.TaskHandler;
import dev.persistentconnection.tasks.TaskServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The echo service of target 6: a task code on a TaskServer with its default task executor ({@code tasks}) and with
 * {@code runHandlersOnIoThread(true)} ({@code tasks-direct}), a unary gRPC method with gRPC's default executors
 * ({@code grpc}) and with {@code directExecutor()} on both sides ({@code grpc-direct}, gRPC's usual tuning for
 * handlers that do not block).
 */
final class Echo {
    static final int TASK_CODE = 1;
    /** At least the largest concurrency of the benchmark, so both servers take every task at once. */
    static final int MAX_IN_FLIGHT = 1024;

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> METHOD = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Echo", "Echo"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private Echo() {}

    /** A running echo server. */
    interface EchoServer extends AutoCloseable {
        int port();

        @Override
        void close();
    }

    static EchoServer startServer(String impl) throws IOException {
        if (impl.equals("raw-netty")) {
            return RawEcho.startServer();
        }
        if (impl.startsWith("tasks")) {
            TaskServer server = TaskServer.builder()
                    .port(0)
                    .maxTasksInFlightPerClient(MAX_IN_FLIGHT)
                    .runHandlersOnIoThread(impl.equals("tasks-direct"))
                    .build()
                    .register(TASK_CODE, TaskHandler.of(payload -> payload), "echo")
                    .start();
            return new EchoServer() {
                public int port() {
                    return server.port();
                }

                public void close() {
                    server.stop();
                }
            };
        }
        if (impl.startsWith("grpc")) {
            ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Echo")
                    .addMethod(METHOD, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> response) -> {
                        response.onNext(request);
                        response.onCompleted();
                    }))
                    .build();
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(service);
            if (impl.equals("grpc-direct")) {
                builder.directExecutor();
            }
            Server server = builder.build().start();
            return new EchoServer() {
                public int port() {
                    return server.getPort();
                }

                public void close() {
                    server.shutdownNow();
                    try {
                        server.awaitTermination(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
        }
        throw new IllegalArgumentException("unknown implementation " + impl);
    }

    /** A client of the echo service; {@code done} gets the answer or the error, on the client's threads. */
    interface EchoClient extends AutoCloseable {
        void call(byte[] payload, BiConsumer<byte[], Throwable> done);

        @Override
        void close();
    }

    static EchoClient client(String impl, int port) throws Exception {
        if (impl.equals("raw-netty")) {
            return RawEcho.client(port);
        }
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        if (impl.startsWith("tasks")) {
            TaskConnector connector = TaskClients.connector(TaskClientOptions.defaults());
            PersistentConnection<InetSocketAddress, TaskClient> connection = PersistentConnection.builder(
                            "echo", AddressSuppliers.fixed(address), connector, TaskClients.lifecycle())
                    .build();
            connection.connected().get(10, TimeUnit.SECONDS);
            return new EchoClient() {
                public void call(byte[] payload, BiConsumer<byte[], Throwable> done) {
                    connection.connected().join().submit(TASK_CODE, payload).whenComplete(done);
                }

                public void close() {
                    connection.close();
                    connector.close();
                }
            };
        }
        if (impl.startsWith("grpc")) {
            NettyChannelBuilder builder =
                    NettyChannelBuilder.forAddress(address).usePlaintext();
            if (impl.equals("grpc-direct")) {
                builder.directExecutor();
            }
            ManagedChannel channel = builder.build();
            return new EchoClient() {
                public void call(byte[] payload, BiConsumer<byte[], Throwable> done) {
                    ClientCalls.asyncUnaryCall(
                            channel.newCall(METHOD, CallOptions.DEFAULT), payload, new StreamObserver<>() {
                                private byte[] answer;

                                @Override
                                public void onNext(byte[] value) {
                                    answer = value;
                                }

                                @Override
                                public void onError(Throwable t) {
                                    done.accept(null, t);
                                }

                                @Override
                                public void onCompleted() {
                                    done.accept(answer, null);
                                }
                            });
                }

                public void close() {
                    channel.shutdownNow();
                    try {
                        channel.awaitTermination(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
        }
        throw new IllegalArgumentException("unknown implementation " + impl);
    }
}
