package dev.segeval.inference;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Run in a child JVM by {@link OfflineTest}: records every URL connection Java would open (through the default
 * ProxySelector, which all java.net HTTP connections consult) and sends them to a closed local port, then loads
 * DJL's engine and a model and runs a forward pass. Prints what happened for the parent to check.
 */
public final class OfflineProbe {
  private OfflineProbe() {
  }

  public static void main(String[] args) throws IOException {
    List<String> attempts = Collections.synchronizedList(new ArrayList<>());
    ProxySelector.setDefault(new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        attempts.add(uri.toString());
        return List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", 1)));
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
      }
    });
    LoadedModel model = LoadedModel.load("probe", Path.of(args[0]), Device.cpu());
    DjlRuntime.configure(1);
    try (NDManager m = model.newRequestManager()) {
      NDArray out = model.forward(m.zeros(new Shape(1, 3, 33, 33)));
      System.out.println("OUTPUT=" + out.getShape());
    }
    System.out.println("ENGINE=" + DjlRuntime.describe());
    System.out.println("ATTEMPTS=" + attempts.size() + " " + attempts);
    model.close();
  }
}
