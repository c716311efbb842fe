package dev.persistentconnection.spring.readme;

import dev.persistentconnection.spring.server.ManagedTaskServer;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.stereotype.Component;

// README: "Task server: annotated handlers" (following starts and stops), tested by ReadmeTaskServerListenerTest.
@Component
public class TaskServerAnnouncer implements ManagedTaskServer.Listener {

    private static final Log log = LogFactory.getLog(TaskServerAnnouncer.class);

    private final List<String> announced = new CopyOnWriteArrayList<>();

    public TaskServerAnnouncer(ManagedTaskServer taskServer) {
        taskServer.addListener(this); // every later start and stop, restarts through stop() and start() included
    }

    @Override
    public void started(InetSocketAddress address) {
        announce("listening on port " + address.getPort());
    }

    @Override
    public void stopping() {
        announce("stopping");
    }

    private void announce(String what) {
        log.info("task server " + what);
        announced.add(what);
    }

    public List<String> announced() {
        return announced;
    }
}
