package dev.segeval.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the jobs hand Spark as data (planned tasks, files to read, task results), as Java-serialised bytes. Spark
 * passes RDD data and task results through the session's {@code spark.serializer}, which clusters often set to
 * Kryo; Kryo 4, which Spark 3.5 and 4 bundle, cannot build Java records field by field ("can't get field offset on
 * a record class"), and a user's own session (the library used from Spark code) carries no registrator of ours.
 * Byte arrays travel the same under every serializer, with or without {@code spark.kryo.registrationRequired};
 * the objects inside keep Java serialisation's checks (serialVersionUID, readObject validation).
 */
final class Shipped {
  private Shipped() {
  }

  static byte[] wrap(Serializable value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serialise " + value.getClass().getName(), e);
    }
    return bytes.toByteArray();
  }

  @SuppressWarnings("unchecked")
  static <T> T unwrap(byte[] bytes) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (T) in.readObject();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read back a shipped object", e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("A shipped object's class is missing on this JVM: " + e.getMessage(), e);
    }
  }

  /**
   * The items cut into {@code slices} contiguous runs, as {@code parallelize(items, slices)} would cut them, each
   * wrapped: {@code parallelize(result, result.size())} puts one run in each partition.
   */
  static List<byte[]> slices(List<? extends Serializable> items, int slices) {
    int n = Math.max(1, Math.min(slices, items.size()));
    List<byte[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int from = (int) ((long) i * items.size() / n);
      int to = (int) ((long) (i + 1) * items.size() / n);
      out.add(wrap(new ArrayList<>(items.subList(from, to))));
    }
    return out;
  }

  /** Every item of the wrapped runs a partition received, in order. */
  static <T> List<T> unwrapAll(java.util.Iterator<byte[]> runs) {
    List<T> items = new ArrayList<>();
    while (runs.hasNext()) {
      List<T> run = unwrap(runs.next());
      items.addAll(run);
    }
    return items;
  }
}
