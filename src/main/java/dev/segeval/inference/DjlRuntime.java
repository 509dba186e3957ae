package dev.segeval.inference;

import ai.djl.engine.Engine;
import java.io.File;
import java.util.Locale;

/**
 * Process-wide DJL settings, applied before the engine first loads. DJL must never reach the network: with
 * {@code ai.djl.offline=true} it neither downloads natives nor sends its start-up telemetry probe, and it
 * unpacks the PyTorch natives bundled on the classpath ({@code pytorch-native-cpu}) into its cache directory.
 *
 * <p>Settings (system properties, or the environment variables DJL itself reads):
 * <ul>
 *   <li>{@code ai.djl.offline} – forced to {@code true};</li>
 *   <li>{@code DJL_CACHE_DIR} – where natives unpack (default ~/.djl.ai);</li>
 *   <li>{@code segeval.inference.intraOpThreads} – PyTorch intra-op threads per JVM (default: 1 when several
 *       task threads share the model, so that predictors do not oversubscribe the cores).</li>
 * </ul>
 */
public final class DjlRuntime {
  private static volatile boolean configured;

  private DjlRuntime() {
  }

  /** Applies the offline settings; idempotent and cheap after the first call. */
  public static synchronized void configure(int intraOpThreads) {
    if (configured) {
      return;
    }
    System.setProperty("ai.djl.offline", "true");
    // DJL's own switch for its usage tracking; offline already prevents it, this makes the intent explicit.
    System.setProperty("OPT_OUT_TRACKING", "true");
    if (intraOpThreads > 0) {
      System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(intraOpThreads));
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    Engine engine = Engine.getEngine("PyTorch");
    if (engine == null) {
      throw new IllegalStateException("Cannot start inference: DJL's PyTorch engine is not on the classpath");
    }
    configured = true;
  }

  /** A one-line description of the loaded engine and where its native library came from. */
  public static String describe() {
    Engine engine = Engine.getEngine("PyTorch");
    return String.format(Locale.ROOT, "DJL %s, PyTorch %s, natives %s, offline=%s", Engine.getDjlVersion(),
        engine.getVersion(), nativeLibrary(), System.getProperty("ai.djl.offline"));
  }

  /** The libtorch shared library DJL loaded, found under DJL's cache directory; null if none was found. */
  public static String nativeLibrary() {
    String cache = System.getProperty("ENGINE_CACHE_DIR", System.getenv().getOrDefault("ENGINE_CACHE_DIR",
        System.getProperty("DJL_CACHE_DIR", System.getenv().getOrDefault("DJL_CACHE_DIR",
            System.getProperty("user.home") + "/.djl.ai"))));
    File root = new File(cache, "pytorch");
    File[] versions = root.listFiles();
    if (versions == null) {
      return null;
    }
    String version = Engine.getEngine("PyTorch").getVersion();
    for (File v : versions) {
      File lib = new File(v, "libtorch.so");
      if (v.getName().startsWith(version) && lib.isFile()) {
        return lib.getAbsolutePath();
      }
    }
    return null;
  }
}
