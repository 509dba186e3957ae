package dev.segeval.inference;

import ai.djl.Device;
import dev.segeval.datasets.HadoopPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * One loaded model per (model URI, device) per JVM, shared by every task thread of an executor.
 *
 * <p>Lifecycle: the first task that asks for a model copies the file from its Hadoop URI (s3a://, hdfs://,
 * file://) into a local cache directory (system property {@code segeval.model.cacheDir}, default
 * {@code <java.io.tmpdir>/segeval-models}), keyed by a hash of the URI plus the remote length and modification
 * time so that a replaced model is fetched again; the copy is written under a temporary name and renamed, so
 * concurrent JVMs on one node never read half a file. It is loaded once; later tasks, jobs and stages in the
 * same JVM reuse it. All models are closed at JVM exit. Shipping only URIs to executors, never loaded models,
 * keeps task closures small (compare DJL's Spark extension, which reloads the model per partition).
 */
public final class ModelCache {
  private static final Map<String, LoadedModel> MODELS = new ConcurrentHashMap<>();
  private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();
  private static volatile int loads;

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ModelCache::closeAll, "segeval-model-cache-close"));
  }

  private ModelCache() {
  }

  /** The shared model for this URI and device, fetching and loading it on first use. */
  public static LoadedModel get(String uri, Device device, Configuration conf, int intraOpThreads)
      throws IOException {
    String key = uri + "|" + device;
    LoadedModel model = MODELS.get(key);
    if (model != null) {
      return model;
    }
    synchronized (LOCKS.computeIfAbsent(key, k -> new Object())) {
      model = MODELS.get(key);
      if (model == null) {
        DjlRuntime.configure(intraOpThreads);
        model = LoadedModel.load(uri, fetch(uri, conf), device);
        MODELS.put(key, model);
        loads++;
      }
      return model;
    }
  }

  /** How many times a model was loaded in this JVM (tests check that it is once per URI and device). */
  public static int loadCount() {
    return loads;
  }

  /** Copies the model file to the local cache unless an identical copy is there; returns the local path. */
  static Path fetch(String uri, Configuration conf) throws IOException {
    org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
    FileSystem fs = remote.getFileSystem(conf);
    FileStatus status;
    try {
      status = fs.getFileStatus(remote);
    } catch (java.io.FileNotFoundException e) {
      throw new ModelLoadException("Cannot load model: " + HadoopPaths.redact(uri) + " does not exist; check --model",
          e);
    }
    if (status.isDirectory()) {
      throw new ModelLoadException("Cannot load model: " + HadoopPaths.redact(uri)
          + " is a directory; pass the .pt file");
    }
    Path dir = Path.of(System.getProperty("segeval.model.cacheDir",
        System.getProperty("java.io.tmpdir") + "/segeval-models"));
    Files.createDirectories(dir);
    String id = sha256(uri + "|" + status.getLen() + "|" + status.getModificationTime()).substring(0, 20);
    Path local = dir.resolve(id + ".pt");
    if (Files.isRegularFile(local) && Files.size(local) == status.getLen()) {
      return local;
    }
    Path tmp = Files.createTempFile(dir, id, ".part");
    InputStream opened;
    try {
      opened = fs.open(remote);
    } catch (java.io.FileNotFoundException | java.nio.file.AccessDeniedException
             | org.apache.hadoop.security.AccessControlException e) {
      Files.deleteIfExists(tmp);
      throw new ModelLoadException("Cannot load model: " + HadoopPaths.redact(uri) + " cannot be read ("
          + e.getMessage() + "); check --model and its permissions", e);
    }
    try (InputStream in = opened) {
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return local;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Closes and forgets every model (JVM exit; tests). */
  public static synchronized void closeAll() {
    for (LoadedModel m : MODELS.values()) {
      try {
        m.close();
      } catch (RuntimeException ignored) {
        // Closing at exit is best effort.
      }
    }
    MODELS.clear();
  }
}
