package dev.segeval.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 that holds every chunk a client sends for a fixed delay before passing it on: an object
 * store's request latency (tens of milliseconds to S3) in front of S3Proxy, whose loopback answers take about a
 * millisecond. Bytes are passed unchanged; responses are not delayed. Daemon threads; {@link #close} stops
 * everything it started.
 */
final class LatencyProxy implements AutoCloseable {
  private final ServerSocket server;
  private final long delayMillis;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  private LatencyProxy(ServerSocket server, long delayMillis) {
    this.server = server;
    this.delayMillis = delayMillis;
  }

  static LatencyProxy start(int targetPort, long delayMillis) throws IOException {
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    LatencyProxy proxy = new LatencyProxy(server, delayMillis);
    Thread accept = new Thread(() -> proxy.acceptLoop(targetPort), "latency-proxy-accept");
    accept.setDaemon(true);
    accept.start();
    return proxy;
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop(int targetPort) {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream, delayMillis, "latency-proxy-request");
        pump(upstream, client, 0, "latency-proxy-response");
      } catch (IOException e) {
        if (!server.isClosed()) {
          System.err.println("latency proxy: " + e);
        }
      }
    }
  }

  private static void pump(Socket from, Socket to, long delayMillis, String name) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          if (delayMillis > 0) {
            Thread.sleep(delayMillis);
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // the other side closed: the relay of this connection ends
      } finally {
        try {
          to.shutdownOutput();
        } catch (IOException ignored) {
          // already closed
        }
      }
    }, name);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
