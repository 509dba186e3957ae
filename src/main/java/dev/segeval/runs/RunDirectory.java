package dev.segeval.runs;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.scoring.ImageResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The state of one run while it is being scored, under {@code <output>/_runs/<run id>/} (a name Spark's readers
 * skip): the run's fingerprint and its committed per-image results. Executors commit results as they finish,
 * one file per chunk of images, so that a driver that dies loses at most the chunks in flight; a resumed run
 * scores only the images without a committed result, and the result tables are always written from these files.
 *
 * <p>A chunk file is named after the SHA-256 of its image ids and appears under its final name only when
 * complete (written under a temporary name, then renamed; on S3 an object is visible only once uploaded). A task
 * retry or a speculative copy that scores the same images commits the same name with the same content, so
 * commits are idempotent; when chunk boundaries differ between attempts, {@link #plan} keeps each image once.
 */
public final class RunDirectory implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  /** Written at the head of every chunk file; bumped when the format changes. */
  private static final int FORMAT = 1;
  private static final String SUFFIX = ".results";

  private final String root;

  public RunDirectory(String output, String runId) {
    this.root = HadoopPaths.join(output, "_runs", runId);
  }

  public String root() {
    return root;
  }

  String fingerprintPath() {
    return HadoopPaths.join(root, "fingerprint.properties");
  }

  String resultsDir() {
    return HadoopPaths.join(root, "results");
  }

  /** The stored fingerprint, or null when the run has not been started under this output. */
  public RunFingerprint readFingerprint(Configuration conf) throws IOException {
    try {
      return RunFingerprint.parse(HadoopPaths.readAll(fingerprintPath(), conf));
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /** Starts the run afresh: forgets every result committed under this run id and stores the fingerprint. */
  public void start(RunFingerprint fingerprint, Configuration conf) throws IOException {
    Path dir = new Path(root);
    FileSystem fs = dir.getFileSystem(conf);
    if (fs.exists(dir) && !fs.delete(dir, true)) {
      throw new IOException("Cannot delete the earlier state of this run under " + HadoopPaths.redact(root));
    }
    HadoopPaths.writeAtomically(fingerprintPath(), fingerprint.render(), conf);
  }

  /** Commits the results of a chunk of images (called on executors). Idempotent for the same images. */
  public void commit(List<ImageResult> chunk, Configuration conf) throws IOException {
    if (chunk.isEmpty()) {
      return;
    }
    List<String> ids = new ArrayList<>(chunk.size());
    for (ImageResult r : chunk) {
      ids.add(r.id());
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeInt(FORMAT);
      out.writeInt(ids.size());
      for (String id : ids) {
        out.writeUTF(id);
      }
      for (ImageResult r : chunk) {
        out.writeObject(r);
      }
    }
    Path target = new Path(HadoopPaths.join(resultsDir(), chunkName(ids)));
    FileSystem fs = target.getFileSystem(conf);
    fs.setWriteChecksum(false);
    if (fs.exists(target)) {
      return; // another attempt of the same chunk committed first; its content is the same
    }
    Path tmp = new Path(HadoopPaths.join(resultsDir(), "_tmp", UUID.randomUUID() + SUFFIX));
    try (var out = fs.create(tmp, true)) {
      out.write(bytes.toByteArray());
    }
    if (!fs.rename(tmp, target)) {
      fs.delete(tmp, false);
      if (!fs.exists(target)) {
        throw new IOException("Cannot commit results to " + HadoopPaths.redact(target.toString()));
      }
    }
  }

  static String chunkName(List<String> ids) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (String id : ids) {
        d.update(id.getBytes(StandardCharsets.UTF_8));
        d.update((byte) '\n');
      }
      return "chunk-" + HexFormat.of().formatHex(d.digest()).substring(0, 40) + SUFFIX;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** Every committed chunk file, sorted by name. */
  public List<String> committedFiles(Configuration conf) throws IOException {
    Path dir = new Path(resultsDir());
    FileSystem fs = dir.getFileSystem(conf);
    List<String> files = new ArrayList<>();
    if (!fs.exists(dir)) {
      return files;
    }
    for (FileStatus f : fs.listStatus(dir)) {
      if (f.isFile() && f.getPath().getName().endsWith(SUFFIX)) {
        files.add(f.getPath().toString());
      }
    }
    files.sort(null);
    return files;
  }

  /** The image ids of a chunk file, from its header alone. */
  public static List<String> readIds(String file, Configuration conf) throws IOException {
    try (InputStream in = new Path(file).getFileSystem(conf).open(new Path(file));
         ObjectInputStream o = new ObjectInputStream(in)) {
      return readHeader(o, file);
    }
  }

  /** The results of a chunk file. */
  public static List<ImageResult> read(String file, Configuration conf) throws IOException {
    byte[] data = HadoopPaths.readAll(file, conf);
    try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(data))) {
      List<String> ids = readHeader(o, file);
      List<ImageResult> out = new ArrayList<>(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        out.add((ImageResult) o.readObject());
      }
      return out;
    } catch (ClassNotFoundException | ClassCastException e) {
      throw new IOException("Cannot read committed results " + HadoopPaths.redact(file)
          + ": written by another version of segeval; rerun without --resume", e);
    }
  }

  private static List<String> readHeader(ObjectInputStream in, String file) throws IOException {
    int format = in.readInt();
    if (format != FORMAT) {
      throw new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": format " + format
          + ", this version reads " + FORMAT + "; rerun without --resume");
    }
    int n = in.readInt();
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(in.readUTF());
    }
    return ids;
  }

  /**
   * Which committed file supplies each image: files in name order, each image taken from the first file that
   * holds it (chunks of different attempts may overlap when their boundaries differ).
   *
   * @param idsByFile the ids of every committed file, in {@link #committedFiles} order
   * @return per file, the ids to skip because an earlier file supplies them (empty lists for most files)
   */
  public static List<List<String>> plan(List<List<String>> idsByFile) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    List<List<String>> skips = new ArrayList<>();
    for (List<String> ids : idsByFile) {
      List<String> skip = new ArrayList<>();
      for (String id : ids) {
        if (!seen.add(id)) {
          skip.add(id);
        }
      }
      skips.add(skip);
    }
    return skips;
  }
}
