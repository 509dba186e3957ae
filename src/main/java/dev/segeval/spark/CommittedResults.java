package dev.segeval.spark;

import static dev.segeval.scoring.DataRecords.readString;
import static dev.segeval.scoring.DataRecords.writeString;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.MetricReport;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.report.HtmlReports;
import dev.segeval.report.RunInfo;
import dev.segeval.runs.RunDirectory;
import dev.segeval.scoring.ImageResult;
import dev.segeval.scoring.RunAggregate;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.broadcast.Broadcast;

/**
 * What {@code evaluate} makes of committed results once a run is scored: the aggregate, the images/ rows, the worst
 * images and the first failures. Each chunk's share of them is built on the executor that commits the chunk and
 * stored in the chunk file's summary section ({@link RunDirectory#commit(List, byte[], Configuration)}); merging
 * the run then reads only those sections and copies their encoded rows, instead of reading every result back.
 * Results that another chunk supplies too (a resumed run whose chunk boundaries moved) are read and built again.
 */
final class CommittedResults {
  /** Written at the head of a chunk summary; bumped when its layout changes. */
  private static final int SUMMARY_VERSION = 1;

  private CommittedResults() {
  }

  /**
   * A share of the committed results: their aggregate, how many images/ rows were written for them, the worst images
   * (lowest per-image mIoU) and the first failed images by id. Merging shares in any order gives the same result.
   */
  static final class ResultShare implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    static final int WORST = 10;
    final RunAggregate aggregate;
    long rows;
    List<HtmlReports.ImageScore> worst = new ArrayList<>();
    List<RunInfo.Failure> failures = new ArrayList<>();

    ResultShare(RunAggregate aggregate) {
      this.aggregate = aggregate;
    }

    ResultShare merge(ResultShare o) {
      aggregate.merge(o.aggregate);
      rows += o.rows;
      worst = smallest(worst, o.worst, new WorstFirst(), WORST);
      failures = smallest(failures, o.failures, Comparator.comparing(RunInfo.Failure::id),
          RunInfo.MAX_LISTED_FAILURES);
      return this;
    }

    static <T> List<T> smallest(List<T> a, List<T> b, Comparator<T> order, int n) {
      List<T> all = new ArrayList<>(a);
      all.addAll(b);
      all.sort(order);
      return new ArrayList<>(all.subList(0, Math.min(n, all.size())));
    }
  }

  /**
   * Builds a {@link ResultShare} and its images/ rows from results one at a time. Each image's metrics are computed
   * once, for its row and for the worst-images list; rows are encoded as they come (holding tens of thousands of
   * nested rows first cost more in garbage collection than encoding them).
   */
  static final class ShareBuilder implements AutoCloseable {
    private final ClassSpace space;
    private final AbsentClassPolicy policy;
    private final ResultShare share;
    private final ParquetRows.RowsWriter rows;
    private final PriorityQueue<HtmlReports.ImageScore> worst = new PriorityQueue<>(new WorstFirst().reversed());
    private final List<RunInfo.Failure> failures = new ArrayList<>();

    ShareBuilder(ClassSpace space, AbsentClassPolicy policy) throws IOException {
      this.space = space;
      this.policy = policy;
      this.share = new ResultShare(new RunAggregate(SegmentationStats.empty(space)));
      this.rows = ParquetRows.writer(ResultTables.IMAGES, ResultTables.IMAGES_PLAIN_COLUMNS);
    }

    void add(ImageResult r) throws IOException {
      share.aggregate.add(r);
      MetricReport m = r.ok() ? MetricReport.compute(space, r.stats(), policy) : null;
      rows.write(ResultTables.imageRow(r, m));
      if (r.ok()) {
        worst.add(imageScore(r, m));
        if (worst.size() > ResultShare.WORST) {
          worst.poll(); // the best of the kept ones
        }
      } else {
        failures.add(new RunInfo.Failure(r.id(), r.failure().kind().label(), r.error()));
      }
    }

    /** The images/ rows as one Parquet file, or null when no result was added. Ends the builder. */
    byte[] finishRows() throws IOException {
      byte[] file = rows.finish();
      return rows.rows() == 0 ? null : file;
    }

    /** The share of the results added so far. */
    ResultShare share() {
      share.rows = rows.rows();
      share.worst = ResultShare.smallest(new ArrayList<>(worst), List.of(), new WorstFirst(), ResultShare.WORST);
      share.failures = ResultShare.smallest(failures, List.of(), Comparator.comparing(RunInfo.Failure::id),
          RunInfo.MAX_LISTED_FAILURES);
      return share;
    }

    @Override
    public void close() throws IOException {
      rows.close();
    }
  }

  /**
   * A chunk's share with its images/ rows (a Parquet file, null for none), as stored in the chunk file, and the
   * absent-class policy its per-image metrics were computed under (a resumed run may change it).
   */
  record ChunkSummary(AbsentClassPolicy policy, ResultShare share, byte[] rows) {
  }

  /** The summary section of a chunk of results, built on the executor that commits them. */
  static byte[] summarize(List<ImageResult> chunk, ClassSpace space, AbsentClassPolicy policy) throws IOException {
    ResultShare share;
    byte[] rows;
    try (ShareBuilder builder = new ShareBuilder(space, policy)) {
      for (ImageResult r : chunk) {
        builder.add(r);
      }
      rows = builder.finishRows();
      share = builder.share();
    }
    return encode(new ChunkSummary(policy, share, rows));
  }

  static byte[] encode(ChunkSummary summary) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 12);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      ResultShare share = summary.share();
      out.writeInt(SUMMARY_VERSION);
      out.writeUTF(summary.policy().cliName());
      share.aggregate.writeTo(out);
      out.writeLong(share.rows);
      out.writeInt(share.worst.size());
      for (HtmlReports.ImageScore s : share.worst) {
        writeString(out, s.id());
        out.writeDouble(s.miou());
        out.writeDouble(s.pixelAccuracy());
        writeString(out, s.labelPath());
        writeString(out, s.predictionPath());
      }
      out.writeInt(share.failures.size());
      for (RunInfo.Failure f : share.failures) {
        writeString(out, f.id());
        writeString(out, f.kind());
        writeString(out, f.error());
      }
      out.writeInt(summary.rows() == null ? -1 : summary.rows().length);
      if (summary.rows() != null) {
        out.write(summary.rows());
      }
    }
    return bytes.toByteArray();
  }

  /**
   * Reads a summary written by {@link #encode} for the chunk of {@code images} results in {@code file}, checking
   * every count against the chunk's header.
   *
   * @throws IOException naming the file when the summary is not one of this version or does not fit the chunk
   */
  static ChunkSummary decode(byte[] bytes, int images, ClassSpace space, String file) throws IOException {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
      int version = in.readInt();
      if (version != SUMMARY_VERSION) {
        throw new IOException("summary version " + version + ", this version reads " + SUMMARY_VERSION);
      }
      String policyName = in.readUTF();
      AbsentClassPolicy policy = java.util.Arrays.stream(AbsentClassPolicy.values())
          .filter(p -> p.cliName().equals(policyName)).findFirst()
          .orElseThrow(() -> new IOException("an unknown absent-class policy " + policyName));
      ResultShare share = new ResultShare(RunAggregate.readFrom(in, space.numClasses()));
      share.rows = in.readLong();
      if (share.rows != images || share.aggregate.okImages() + share.aggregate.failedImages() != images) {
        throw new IOException(share.rows + " rows and " + share.aggregate.okImages() + " + "
            + share.aggregate.failedImages() + " images for a chunk of " + images);
      }
      int worst = count(in.readInt(), ResultShare.WORST, "worst images");
      for (int i = 0; i < worst; i++) {
        share.worst.add(new HtmlReports.ImageScore(readString(in), in.readDouble(), in.readDouble(), readString(in),
            readString(in)));
      }
      int failures = count(in.readInt(), RunInfo.MAX_LISTED_FAILURES, "failures");
      for (int i = 0; i < failures; i++) {
        share.failures.add(new RunInfo.Failure(readString(in), readString(in), readString(in)));
      }
      int length = in.readInt();
      if (length < -1 || length != in.available()) {
        throw new IOException("rows of " + length + " bytes where " + in.available() + " remain");
      }
      byte[] rows = length < 0 ? null : in.readNBytes(length);
      if ((rows == null) != (images == 0)) {
        throw new IOException(rows == null ? "no rows" : "rows for no image");
      }
      return new ChunkSummary(policy, share, rows);
    } catch (IOException | IllegalArgumentException e) {
      // IllegalArgumentException: a value a constructor or parser refuses (stored values are checked as they are
      // read); any other exception is a programming error and stays one.
      throw new IOException("Cannot read committed results " + HadoopPaths.redact(file) + ": its summary is not one "
          + "of this version (" + e.getMessage() + "); rerun without --resume", e);
    }
  }

  private static int count(int n, int max, String what) throws IOException {
    if (n < 0 || n > max) {
      throw new IOException(n + " " + what);
    }
    return n;
  }

  static HtmlReports.ImageScore imageScore(ImageResult r, MetricReport m) {
    return new HtmlReports.ImageScore(r.id(), m.meanIou(), m.pixelAccuracy(), HadoopPaths.redact(r.labelPath()),
        HadoopPaths.redact(r.predictionPath()));
  }

  /** Lowest per-image mIoU first; images without a defined mIoU last; ties by id. */
  static final class WorstFirst implements Comparator<HtmlReports.ImageScore>, java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(HtmlReports.ImageScore a, HtmlReports.ImageScore b) {
      double x = Double.isNaN(a.miou()) ? Double.POSITIVE_INFINITY : a.miou();
      double y = Double.isNaN(b.miou()) ? Double.POSITIVE_INFINITY : b.miou();
      int c = Double.compare(x, y);
      return c != 0 ? c : a.id().compareTo(b.id());
    }
  }

  /** A committed chunk file and the ids in it that another file supplies. */
  record FileToRead(String file, Set<String> skip) implements java.io.Serializable {
  }

  /**
   * On the executors: merges the shares of committed chunk files and writes their images/ rows as one Parquet file
   * per partition into the staging folder; returns the partition's {@link ResultShare}. A chunk whose every image
   * is taken from it contributes its summary section (its rows copied as encoded); any other chunk, or one
   * committed without a summary, is read in full and its results built here.
   */
  static final class ReadAndWriteResults implements
      org.apache.spark.api.java.function.Function2<Integer, Iterator<byte[]>, Iterator<byte[]>> {
    private static final long serialVersionUID = 1L;
    private final ClassSpace space;
    private final AbsentClassPolicy policy;
    private final String staging;
    private final Broadcast<byte[]> conf;

    ReadAndWriteResults(ClassSpace space, AbsentClassPolicy policy, String staging, Broadcast<byte[]> conf) {
      this.space = space;
      this.policy = policy;
      this.staging = staging;
      this.conf = conf;
    }

    @Override
    public Iterator<byte[]> call(Integer partition, Iterator<byte[]> slices) throws IOException {
      Iterator<FileToRead> files = Shipped.<FileToRead>unwrapAll(slices).iterator();
      Configuration c = SerializableConfiguration.of(conf.value());
      ResultShare total = new ResultShare(new RunAggregate(SegmentationStats.empty(space)));
      List<byte[]> parts = new ArrayList<>();
      try (ShareBuilder loose = new ShareBuilder(space, policy)) {
        while (files.hasNext()) {
          FileToRead f = files.next();
          RunDirectory.Chunk chunk = RunDirectory.open(f.file(), c);
          ChunkSummary summary = f.skip().isEmpty() && chunk.summary() != null
              ? decode(chunk.summary(), chunk.entries().size(), space, f.file()) : null;
          // A summary made under another --absent-classes (a resumed run may change it) has other per-image
          // metrics in its rows: such a chunk is parsed in full, like one whose images another chunk also holds.
          if (summary != null && summary.policy() == policy) {
            total.merge(summary.share());
            if (summary.rows() != null) {
              parts.add(summary.rows());
            }
            continue;
          }
          for (ImageResult r : chunk.results()) {
            if (!f.skip().contains(r.id())) {
              loose.add(r);
            }
          }
        }
        byte[] looseRows = loose.finishRows();
        total.merge(loose.share());
        if (looseRows != null) {
          parts.add(looseRows);
        }
      }
      if (!parts.isEmpty()) {
        ParquetRows.Concatenated part = ParquetRows.concat(ResultTables.IMAGES, parts);
        if (part.rows() != total.rows) {
          throw new IllegalStateException("The images/ rows of partition " + partition + " hold " + part.rows()
              + " rows for " + total.rows + " images");
        }
        ResultTableFiles.writePart(staging, partition, part.bytes(), c);
      }
      return List.of(Shipped.wrap(total)).iterator();
    }
  }
}
