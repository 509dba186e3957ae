package dev.segeval.runs;

import static dev.segeval.scoring.DataRecords.readString;
import static dev.segeval.scoring.DataRecords.writeString;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.scoring.ImageFailure;
import dev.segeval.scoring.ImageResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
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
 * The state of one run while it is being scored, under {@code <output>/_progress/<run id>/} (a name Spark's readers
 * skip): the run's fingerprint and its committed per-image results. Executors commit results as they finish,
 * one file per chunk of images, so that a driver that dies loses at most the chunks in flight; a resumed run
 * scores only the images without a committed result, and the result tables are always written from these files.
 *
 * <p>A chunk file is named after the run's fingerprint, the attempt that scored it and the SHA-256 of its image
 * ids, and appears under its final name only when complete (written under a temporary name, then renamed; on S3 an
 * object is visible only once uploaded). A task retry or a speculative copy that scores the same images in the same
 * attempt commits the same name, and the first commit stays (the copies differ only in timings and worker names),
 * so commits are idempotent; where chunks overlap, {@link #choose} keeps each image once.
 */
public final class RunDirectory implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  /** Written at the head of every chunk file; bumped when the format changes. */
  // 3: exact sums kept in binary (ExactSum serialVersionUID 2); 4: plain DataOutput records instead of Java
  // serialisation (reading it back was a quarter of the write phase at 100,000 images, and a chunk file no longer
  // names classes to instantiate); 5: a summary section between header and results (see #commit)
  private static final int FORMAT = 5;
  /** The first four bytes of a Java serialisation stream: a chunk file of format 3 or earlier. */
  private static final int JAVA_SERIALIZATION_MAGIC = 0xACED0005;
  /** More images than this in one chunk header means the file is not a chunk file. */
  private static final int MAX_CHUNK_IMAGES = 10_000_000;
  /** Longest summary section of a chunk file. */
  private static final int MAX_SUMMARY_BYTES = 1 << 30;

  /** One image of a chunk file's header: its id and whether it was scored (false: it failed). */
  public record Entry(String id, boolean ok) implements java.io.Serializable {
  }

  private static final String SUFFIX = ".results";

  private final String root;
  /** First hex digits of the run's fingerprint: part of every chunk name, null to see every chunk. */
  private final String fingerprintTag;
  /** Names the attempt that commits through this view (part of every chunk name it writes), null for none. */
  private final String attempt;

  public RunDirectory(String output, String runId) {
    this.root = HadoopPaths.join(output, "_progress", runId);
    this.fingerprintTag = null;
    this.attempt = null;
  }

  private RunDirectory(RunDirectory of, String fingerprintTag, String attempt) {
    this.root = of.root;
    this.fingerprintTag = fingerprintTag;
    this.attempt = attempt;
  }

  /**
   * The same directory for committing the chunks of one attempt at the run (one call of the job): the attempt is
   * part of every chunk name. A retried or speculative task of the attempt commits the same name (the first commit
   * stays), while a later attempt that scores the same images again (earlier failures, whose files
   * may have been fixed) never finds its chunk's name taken by the earlier result.
   */
  public RunDirectory forAttempt(String attempt) {
    if (!attempt.matches("[0-9a-f]{1,32}")) {
      throw new IllegalArgumentException("An attempt is named by hex digits: " + attempt);
    }
    return new RunDirectory(this, fingerprintTag, attempt);
  }

  /**
   * The same directory seen by one fingerprint: chunks are written with the fingerprint in their name and only such
   * chunks are listed. A task of an earlier attempt under other inputs that is still finishing (a cancelled task of
   * a failed job in a long-lived session) can then neither be read as a result of this run nor keep this run's
   * chunk of the same images from being written.
   */
  public RunDirectory forFingerprint(RunFingerprint fingerprint) {
    return new RunDirectory(this, fingerprint.digest().substring(0, 16), attempt);
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

  /** Commits the results of a chunk of images without a summary section (called on executors). */
  public String commit(List<ImageResult> chunk, Configuration conf) throws IOException {
    return commit(chunk, null, conf);
  }

  /**
   * Commits the results of a chunk of images (called on executors). Idempotent for the same images.
   *
   * <p>The file holds, in this order: the header (format, image ids and whether each was scored), the summary
   * section (the caller's bytes, what the job needs of the chunk once the run is scored, so that it need not parse
   * every result; none when null), the results, and a CRC-32 of the whole file.
   *
   * @return the chunk file that holds the images (committed now, or by an earlier copy of the same chunk); null
   *         for an empty chunk
   */
  public String commit(List<ImageResult> chunk, byte[] summary, Configuration conf) throws IOException {
    if (chunk.isEmpty()) {
      return null;
    }
    if (summary != null && summary.length > MAX_SUMMARY_BYTES) {
      throw new IllegalArgumentException("A chunk summary of " + summary.length + " bytes; at most "
          + MAX_SUMMARY_BYTES + " can be read back");
    }
    List<String> ids = new ArrayList<>(chunk.size());
    for (ImageResult r : chunk) {
      ids.add(r.id());
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(FORMAT);
      out.writeInt(chunk.size());
      for (ImageResult r : chunk) {
        writeString(out, r.id());
        out.writeBoolean(r.ok());
      }
      out.writeInt(summary == null ? -1 : summary.length);
      if (summary != null) {
        out.write(summary);
      }
      for (ImageResult r : chunk) {
        writeResult(out, r);
      }
      // A CRC-32 of everything before it: a damaged chunk must fail, not change a metric.
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      out.flush();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
    }
    Path target = new Path(HadoopPaths.join(resultsDir(), (fingerprintTag == null ? "" : fingerprintTag + "-")
        + (attempt == null ? "" : attempt + "-") + chunkName(ids)));
    FileSystem fs = target.getFileSystem(conf);
    fs.setWriteChecksum(false);
    if (fs.exists(target)) {
      return target.toString(); // another copy of the same chunk committed first; it holds the same images
    }
    Path tmp = new Path(HadoopPaths.join(resultsDir(), "_tmp", UUID.randomUUID() + SUFFIX));
    HadoopPaths.write(tmp.toString(), bytes.toByteArray(), conf);
    if (!fs.rename(tmp, target)) {
      fs.delete(tmp, false);
      if (!fs.exists(target)) {
        throw new IOException("Cannot commit results to " + HadoopPaths.redact(target.toString()));
      }
    }
    return target.toString();
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
      String name = f.getPath().getName();
      if (f.isFile() && name.endsWith(SUFFIX) && (fingerprintTag == null || name.startsWith(fingerprintTag + "-"))) {
        files.add(f.getPath().toString());
      }
    }
    files.sort(null);
    return files;
  }

  /** The image ids of a chunk file, from its header alone. */
  public static List<String> readIds(String file, Configuration conf) throws IOException {
    List<String> ids = new ArrayList<>();
    for (Entry e : readEntries(file, conf)) {
      ids.add(e.id());
    }
    return ids;
  }

  /** The images of a chunk file and whether each was scored, from its header alone. */
  public static List<Entry> readEntries(String file, Configuration conf) throws IOException {
    try (InputStream in = new Path(file).getFileSystem(conf).open(new Path(file));
         DataInputStream d = new DataInputStream(new java.io.BufferedInputStream(in))) {
      return readHeader(d, file);
    } catch (java.io.EOFException e) {
      throw truncated(file, e);
    }
  }

  /**
   * The results of a chunk file. Chunk files live in an output folder that others may write to: they are plain
   * records read field by field, every size and count checked, and never name a class to instantiate.
   */
  public static List<ImageResult> read(String file, Configuration conf) throws IOException {
    return open(file, conf).results();
  }

  /**
   * A chunk file read whole, its checksum verified (damage anywhere stops the run, and no stream is closed half-read,
   * which S3A answers by aborting the connection), its header and summary parsed.
   *
   * @throws IOException naming the file when it is damaged, truncated or not a chunk file of this version
   */
  public static Chunk open(String file, Configuration conf) throws IOException {
    ByteArrayDataInput d = verified(file, conf);
    try {
      List<Entry> entries = readHeader(d, file);
      int length = summaryLength(d, file);
      byte[] summary = null;
      if (length >= 0) {
        summary = new byte[length];
        d.readFully(summary);
      }
      return new Chunk(file, entries, summary, d);
    } catch (java.io.EOFException e) {
      throw truncated(file, e);
    }
  }

  /** A committed chunk file as {@link #open} read it: its header and summary, its results parsed on request. */
  public static final class Chunk {
    private final String file;
    private final List<Entry> entries;
    private final byte[] summary;
    private final ByteArrayDataInput results;

    private Chunk(String file, List<Entry> entries, byte[] summary, ByteArrayDataInput results) {
      this.file = file;
      this.entries = entries;
      this.summary = summary;
      this.results = results;
    }

    /** The header: every image of the chunk and whether it was scored. */
    public List<Entry> entries() {
      return entries;
    }

    /** The summary section as {@link #commit(List, byte[], Configuration)} was given it; null for none. */
    public byte[] summary() {
      return summary;
    }

    /** The results, in header order (parsed once: call it once). */
    public List<ImageResult> results() throws IOException {
      try {
        List<ImageResult> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
          ImageResult r = readResult(results);
          if (!r.id().equals(e.id()) || r.ok() != e.ok()) {
            throw new IOException("its header names " + e.id() + " where the body holds " + r.id());
          }
          out.add(r);
        }
        if (results.remaining() != 0) {
          throw new IOException("bytes after the last result");
        }
        return out;
      } catch (java.io.EOFException e) {
        throw truncated(file, e);
      } catch (IOException | IllegalArgumentException e) {
        // IllegalArgumentException: a stored value no result can hold (a constructor's own check).
        throw new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": not a chunk file of "
            + "this version (" + e.getMessage() + "); rerun without --resume", e);
      }
    }
  }

  /** A chunk file's bytes up to its checksum, once the checksum of the whole file matches them. */
  private static ByteArrayDataInput verified(String file, Configuration conf) throws IOException {
    byte[] data = HadoopPaths.readAll(file, conf);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    int body = Math.max(0, data.length - 4);
    crc.update(data, 0, body);
    if (data.length < 12 || (int) crc.getValue() != java.nio.ByteBuffer.wrap(data, body, 4).getInt()) {
      if (data.length >= 4 && java.nio.ByteBuffer.wrap(data, 0, 4).getInt() == JAVA_SERIALIZATION_MAGIC) {
        readHeader(new DataInputStream(new ByteArrayInputStream(data)), file); // names the earlier version
      }
      throw new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": the file is damaged "
          + "or truncated (its checksum does not match); rerun without --resume");
    }
    return new ByteArrayDataInput(data, 0, body);
  }

  private static int summaryLength(DataInput in, String file) throws IOException {
    int length = in.readInt();
    if (length < -1 || length > MAX_SUMMARY_BYTES) {
      throw new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": not a chunk file of "
          + "this version (a summary of " + length + " bytes); rerun without --resume");
    }
    return length;
  }

  private static IOException truncated(String file, java.io.EOFException e) {
    return new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": the file is truncated; "
        + "rerun without --resume", e);
  }

  /** One image's result, field by field in the order of {@link ImageResult}'s components. */
  static void writeResult(DataOutput out, ImageResult r) throws IOException {
    writeString(out, r.id());
    writeString(out, r.imagePath());
    writeString(out, r.labelPath());
    writeString(out, r.predictionPath());
    out.writeBoolean(r.ok());
    out.writeBoolean(r.failure() != null);
    if (r.failure() != null) {
      writeString(out, r.failure().kind().name());
      writeString(out, r.failure().message());
    }
    out.writeInt(r.width());
    out.writeInt(r.height());
    out.writeBoolean(r.stats() != null);
    if (r.stats() != null) {
      r.stats().writeTo(out);
    }
    out.writeDouble(r.seconds());
    writeString(out, r.worker());
    long[] pairs = r.valuePairs();
    out.writeInt(pairs == null ? -1 : pairs.length);
    if (pairs != null) {
      for (long p : pairs) {
        out.writeLong(p);
      }
    }
  }

  static ImageResult readResult(DataInput in) throws IOException {
    String id = readString(in);
    if (id == null) {
      throw new IOException("a result without an image id");
    }
    String imagePath = readString(in);
    String labelPath = readString(in);
    String predictionPath = readString(in);
    ImageResult.Status status = in.readBoolean() ? ImageResult.Status.OK : ImageResult.Status.FAILED;
    ImageFailure failure = null;
    if (in.readBoolean()) {
      String kind = readString(in);
      ImageFailure.Kind k;
      try {
        k = ImageFailure.Kind.valueOf(String.valueOf(kind));
      } catch (IllegalArgumentException e) {
        throw new IOException("an unknown failure kind " + kind, e);
      }
      failure = new ImageFailure(k, readString(in));
    }
    int width = in.readInt();
    int height = in.readInt();
    SegmentationStats stats = in.readBoolean() ? SegmentationStats.readFrom(in) : null;
    double seconds = in.readDouble();
    String worker = readString(in);
    int n = in.readInt();
    if (n < -1 || n > 1 << 24) {
      throw new IOException(n + " value pairs");
    }
    long[] pairs = n < 0 ? null : new long[n];
    for (int i = 0; i < n; i++) {
      pairs[i] = in.readLong();
    }
    if ((status == ImageResult.Status.OK) != (failure == null) || (status == ImageResult.Status.OK) != (stats != null)) {
      throw new IOException("result of " + id + " is neither scored nor failed");
    }
    return new ImageResult(id, imagePath, labelPath, predictionPath, status, failure, width, height, stats, seconds,
        worker, pairs);
  }

  private static List<Entry> readHeader(DataInput in, String file) throws IOException {
    int format = in.readInt();
    if (format == JAVA_SERIALIZATION_MAGIC) {
      throw new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": written by an "
          + "earlier version of segeval (format 3 or older), this version reads " + FORMAT
          + "; rerun without --resume");
    }
    if (format != FORMAT) {
      throw new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": format " + format
          + ", this version reads " + FORMAT + "; rerun without --resume");
    }
    int n = in.readInt();
    if (n < 0 || n > MAX_CHUNK_IMAGES) {
      throw new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": not a chunk file ("
          + n + " images in its header)");
    }
    List<Entry> entries = new ArrayList<>(Math.min(n, 1 << 16));
    for (int i = 0; i < n; i++) {
      String id = readString(in);
      if (id == null) {
        throw new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": not a chunk file "
            + "(an image without an id in its header)");
      }
      entries.add(new Entry(id, in.readBoolean()));
    }
    return entries;
  }

  /**
   * Which committed file supplies each image. Files are taken in name order and each image comes from the first
   * file that holds it (chunks of different attempts may overlap when their boundaries differ; their results are
   * the same), except for images scored again in this attempt (earlier failures), which come from a file written
   * in this attempt.
   *
   * @param entriesByFile every committed file (in name order) with its header
   * @param earlierFiles  the files that existed before this attempt scored anything
   * @param rescored      images that failed in an earlier attempt and were scored again in this one
   * @param planned       the images of the run; anything else in a file is skipped
   * @return per file (same order), the ids to skip because another file supplies them
   */
  public static List<java.util.Set<String>> choose(java.util.Map<String, List<Entry>> entriesByFile,
                                                  java.util.Set<String> earlierFiles, java.util.Set<String> rescored,
                                                  java.util.Set<String> planned) {
    java.util.Map<String, String> chosen = new java.util.HashMap<>();
    for (java.util.Map.Entry<String, List<Entry>> f : entriesByFile.entrySet()) {
      boolean earlier = earlierFiles.contains(f.getKey());
      for (Entry e : f.getValue()) {
        if (planned.contains(e.id()) && !(rescored.contains(e.id()) && earlier)) {
          chosen.putIfAbsent(e.id(), f.getKey());
        }
      }
    }
    List<java.util.Set<String>> skips = new ArrayList<>();
    for (java.util.Map.Entry<String, List<Entry>> f : entriesByFile.entrySet()) {
      java.util.Set<String> skip = new java.util.HashSet<>();
      for (Entry e : f.getValue()) {
        if (!f.getKey().equals(chosen.get(e.id()))) {
          skip.add(e.id());
        }
      }
      skips.add(skip);
    }
    return skips;
  }
}
