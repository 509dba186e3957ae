package dev.segeval.spark;

import dev.segeval.datasets.BackgroundResults;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.runs.RunDirectory;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.RunPlanner;
import dev.segeval.scoring.ScoringTask;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The run's plan, made where it costs the driver nothing per image. On a cluster one task on an executor lists the
 * split and the prediction tree and matches them ({@link RunPlanner#plan}, the same code as the single-threaded
 * reference path), reads which images an earlier attempt committed (on resume), cuts the plan into the scoring
 * job's shares and keeps them in Spark's block store; the driver receives the counts, the digests for the run's
 * fingerprint and one check number per share, and the scoring tasks take their shares through a shuffle of one
 * record per share. In local mode the driver's JVM is the executors': the same planning runs on the driver, on the
 * listing the command line started while Spark started, and the shares travel in the scoring tasks as
 * {@code parallelize} ships its slices.
 *
 * <p>Should Spark have to compute an executor's plan again (the executor holding it was lost), the files are listed
 * again, and a scoring task whose share differs from the fingerprinted one fails the run instead of scoring other
 * inputs under this run's fingerprint.
 *
 * <p>The executor that plans needs what the driver needed before: about 0.3 KB per image for the plan and, on
 * resume, the committed images' ids (benchmark-results/driver-memory.md).
 */
final class DistributedPlan {
  /**
   * Listings the command line started in this JVM, by the handoff name the planning task carries: in local mode the
   * task runs here and takes its listing; elsewhere it finds none and lists itself.
   */
  private static final Map<String, RunPlanner.EarlyPlan> EARLY_PLANS = new java.util.concurrent.ConcurrentHashMap<>();

  /** Chunk headers read side by side on resume: enough to overlap an object store's latency. */
  private static final int PARALLEL_HEADER_READS = 8;

  private DistributedPlan() {
  }

  /** One image of the plan: its task (null when an earlier attempt scored it) and whether it failed before. */
  static final class PlannedImage implements Serializable {
    private static final long serialVersionUID = 1L;
    final String id;
    final ScoringTask task;
    final boolean rescored;

    PlannedImage(String id, ScoringTask task, boolean rescored) {
      this.id = id;
      this.task = task;
      this.rescored = rescored;
    }
  }

  /** One scoring partition's share of the plan: its images, in id order. */
  static final class PlanPart implements Serializable {
    private static final long serialVersionUID = 1L;
    final int index;
    final List<PlannedImage> images;

    PlanPart(int index, List<PlannedImage> images) {
      this.index = index;
      this.images = images;
    }

    /** A number that changes when the share does: what a share computed again must match. */
    long check() {
      long h = index;
      // From strings only: an enum's hash code differs from JVM to JVM, and the share is checked on another one.
      for (PlannedImage image : images) {
        h = h * 31 + image.id.hashCode();
        h = h * 31 + (image.rescored ? 1 : 0);
        if (image.task != null) {
          h = h * 31 + String.valueOf(image.task.sample().labelPath()).hashCode();
          h = h * 31 + String.valueOf(image.task.sample().imagePath()).hashCode();
          h = h * 31 + String.valueOf(image.task.sample().instancePath()).hashCode();
          h = h * 31 + String.valueOf(image.task.predictionPath()).hashCode();
          h = h * 31 + (image.task.unresolved() == null ? 0
              : (image.task.unresolved().kind().name() + image.task.unresolved().message()).hashCode());
        }
      }
      return h;
    }
  }

  /** What the driver learns of the plan: the first element of the planning task's partition. */
  static final class Summary implements Serializable {
    private static final long serialVersionUID = 1L;
    long images;
    long resumed;
    long rescored;
    String listingDigest;
    String predictionsDigest;
    long[] checks;
    /** The planning's failure of the inputs (a listing's IOException, an EvaluationException), or null. */
    Exception failure;
    /** A committed chunk that could not be read on resume, or null (the digests and counts are set without it). */
    IOException committedFailure;
  }

  /**
   * The plan as the driver sees it: numbers, and where the scoring tasks find their shares.
   *
   * @param shares            gives, once asked, one partition per scoring task holding its wrapped {@link PlanPart}
   * @param cached            what {@link #release} unpersists (the planning task's output), or null
   * @param checks            per scoring partition, {@link PlanPart#check()}
   * @param images            images in the split
   * @param resumed           images an earlier attempt scored
   * @param rescored          images that failed in an earlier attempt and are scored again
   * @param listingDigest     of the split's listing
   * @param predictionsDigest of the resolved predictions; "none" for a model
   * @param committedFailure  why an earlier attempt's chunk could not be read on resume, or null
   */
  record Plan(java.util.function.Supplier<JavaRDD<byte[]>> shares, JavaRDD<byte[]> cached, long[] checks,
              long images, long resumed, long rescored, String listingDigest, String predictionsDigest,
              IOException committedFailure) {
    /** Throws what kept the earlier attempt's chunks from being read, if anything did. */
    void requireCommittedRead() throws IOException {
      if (committedFailure != null) {
        throw committedFailure;
      }
    }

    void release() {
      if (cached != null) {
        cached.unpersist(false);
      }
    }
  }

  /** A supplier that computes once. */
  private static <T> java.util.function.Supplier<T> once(java.util.function.Supplier<T> supplier) {
    return new java.util.function.Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = supplier.get();
        }
        return value;
      }
    };
  }

  /** How many scoring partitions a plan of so many images gets. */
  interface Partitioning extends Serializable {
    int partitions(long images);
  }

  /**
   * Plans on an executor.
   *
   * @param committedFiles the chunk files of an earlier attempt at the run (resume); empty for none
   * @throws IOException   the listing's own failure (its type and message), or an {@link EvaluationException} for
   *                       an empty split, a prediction folder without PNGs or two images of one id
   */
  static Plan build(JavaSparkContext jsc, EvaluationSpec spec, Broadcast<byte[]> confBc, List<String> committedFiles,
                    Partitioning partitioning) throws IOException {
    return build(jsc, spec, confBc, committedFiles, partitioning, null);
  }

  /**
   * Plans on the driver: in local mode the driver's JVM is the executors', and the listing the command line started
   * while Spark started is here. The plan's shares reach the scoring tasks as they do from an executor's plan.
   *
   * @param early a listing started in this JVM, or null to list here
   */
  static Plan onDriver(JavaSparkContext jsc, EvaluationSpec spec, Configuration conf, List<String> committedFiles,
                       Partitioning partitioning, RunPlanner.EarlyPlan early) throws IOException {
    Planned planned = plan(spec, conf, new ArrayList<>(committedFiles), partitioning, early);
    // One share per partition, shipped in the tasks as parallelize ships its slices (no shuffle), serialised when
    // the scoring job starts.
    return fromSummary(planned.summary(), once(() -> {
      List<byte[]> parts = new ArrayList<>(planned.parts().size());
      for (PlanPart part : planned.parts()) {
        parts.add(Shipped.wrap(part));
      }
      return jsc.parallelize(parts, parts.size());
    }), null);
  }

  /**
   * Plans on an executor, which in local mode takes the listing the command line started while Spark started.
   *
   * @param early a listing started in this JVM, or null; used only when the planning task runs in this JVM
   */
  static Plan build(JavaSparkContext jsc, EvaluationSpec spec, Broadcast<byte[]> confBc, List<String> committedFiles,
                    Partitioning partitioning, RunPlanner.EarlyPlan early) throws IOException {
    List<String> committed = new ArrayList<>(committedFiles);
    String handoff = early == null ? null : java.util.UUID.randomUUID().toString();
    if (handoff != null) {
      EARLY_PLANS.put(handoff, early);
    }
    JavaRDD<byte[]> planned = jsc.parallelize(List.of(0), 1).mapPartitions(ignored -> {
      Configuration conf = SerializableConfiguration.of(confBc.value());
      RunPlanner.EarlyPlan listed = handoff == null ? null : EARLY_PLANS.remove(handoff);
      Planned plan = plan(spec, conf, committed, partitioning, listed);
      List<byte[]> out = new ArrayList<>(plan.parts().size() + 1);
      out.add(wrapSummary(plan.summary()));
      for (PlanPart part : plan.parts()) {
        out.add(Shipped.wrap(part));
      }
      return out.iterator();
    }).persist(StorageLevel.MEMORY_AND_DISK());
    // Only the summary comes back; computing the partition stores all of it.
    Summary summary;
    try {
      summary = Shipped.unwrap(planned.mapPartitions(all -> List.of(all.next()).iterator()).collect().get(0));
    } catch (RuntimeException | Error e) {
      planned.unpersist(false); // a failed task (a bug, or the job cancelled): nothing of it is kept
      throw e;
    } finally {
      if (handoff != null) {
        EARLY_PLANS.remove(handoff); // when the task ran in another JVM (it planned there) or failed before
      }
    }
    if (summary.failure != null) {
      planned.unpersist(false);
      summary.failure.addSuppressed(new IOException("rethrown on the driver from the task that planned the run"));
    }
    if (summary.failure != null) {
      return fromSummary(summary, null, null);
    }
    // The shares leave the planning task's partition through a shuffle of one record per scoring partition.
    JavaRDD<byte[]> shares = planned
        .flatMapToPair(wrapped -> {
          Object value = Shipped.unwrap(wrapped);
          return value instanceof PlanPart part ? List.of(new Tuple2<>(part.index, wrapped)).iterator()
              : java.util.Collections.<Tuple2<Integer, byte[]>>emptyIterator();
        })
        .partitionBy(new HashPartitioner(summary.checks.length))
        .values();
    return fromSummary(summary, () -> shares, planned);
  }

  private static Plan fromSummary(Summary summary, java.util.function.Supplier<JavaRDD<byte[]>> shares,
                                  JavaRDD<byte[]> cached)
      throws IOException {
    if (summary.failure instanceof IOException io) {
      throw io;
    }
    if (summary.failure != null) {
      throw (RuntimeException) summary.failure;
    }
    return new Plan(shares, cached, summary.checks, summary.images, summary.resumed, summary.rescored,
        summary.listingDigest, summary.predictionsDigest, summary.committedFailure);
  }

  /** A plan made: its summary and its shares (none when the summary names a failure). */
  record Planned(Summary summary, List<PlanPart> parts) {
  }

  /** Lists, matches and reads the earlier results (in the planning task, or on the driver in local mode). */
  static Planned plan(EvaluationSpec spec, Configuration conf, List<String> committedFiles,
                      Partitioning partitioning, RunPlanner.EarlyPlan early) {
    Summary summary = new Summary();
    RunPlanner.RunPlan plan;
    Set<String> scoredBefore = new HashSet<>();
    Set<String> failedBefore = new HashSet<>();
    try {
      plan = early != null ? early.await(spec) : RunPlanner.plan(spec, conf);
    } catch (IOException | EvaluationException e) {
      // The inputs' problem, with its own type and message; anything else is a bug and fails the task loudly.
      summary.failure = e;
      return new Planned(summary, List.of());
    }
    try {
      for (List<RunDirectory.Entry> entries : readEntries(committedFiles, conf).values()) {
        for (RunDirectory.Entry e : entries) {
          (e.ok() ? scoredBefore : failedBefore).add(e.id());
        }
      }
    } catch (IOException e) {
      // Reported once the run's fingerprint is known to match the stored one: a resume under other inputs is
      // refused as such, whatever its earlier chunks hold.
      summary.committedFailure = e;
      summary.images = plan.tasks().size();
      summary.listingDigest = plan.listingDigest();
      summary.predictionsDigest = plan.predictionsDigest();
      summary.checks = new long[0];
      return new Planned(summary, List.of());
    }
    List<ScoringTask> tasks = plan.tasks();
    int partitions = (int) Math.max(1, Math.min(tasks.size(), partitioning.partitions(tasks.size())));
    List<PlanPart> out = new ArrayList<>(partitions);
    summary.checks = new long[partitions];
    for (int i = 0; i < partitions; i++) {
      int from = (int) ((long) i * tasks.size() / partitions);
      int to = (int) ((long) (i + 1) * tasks.size() / partitions);
      List<PlannedImage> images = new ArrayList<>(to - from);
      for (ScoringTask t : tasks.subList(from, to)) {
        String id = t.sample().id();
        boolean resumed = scoredBefore.contains(id);
        boolean rescored = !resumed && failedBefore.contains(id);
        summary.resumed += resumed ? 1 : 0;
        summary.rescored += rescored ? 1 : 0;
        images.add(new PlannedImage(id, resumed ? null : t, rescored));
      }
      PlanPart part = new PlanPart(i, images);
      summary.checks[i] = part.check();
      out.add(part);
    }
    summary.images = tasks.size();
    summary.listingDigest = plan.listingDigest();
    summary.predictionsDigest = plan.predictionsDigest();
    return new Planned(summary, out);
  }

  private static byte[] wrapSummary(Summary summary) {
    try {
      return Shipped.wrap(summary);
    } catch (UncheckedIOException notSerializable) {
      // A failure whose cause chain holds something that cannot be serialised: its type and message suffice.
      Exception f = summary.failure;
      summary.failure = f instanceof EvaluationException ? new EvaluationException(f.getMessage())
          : new IOException(f.toString());
      return Shipped.wrap(summary);
    }
  }

  /** The plan's shares, one per scoring partition; the image tasks still to score, one wrapped list per partition. */
  static JavaRDD<byte[]> remainingTasks(Plan plan) {
    long[] checks = plan.checks();
    return plan.shares().get()
        .mapPartitionsWithIndex((partition, parts) -> {
          List<ScoringTask> tasks = new ArrayList<>();
          while (parts.hasNext()) {
            PlanPart part = Shipped.unwrap(parts.next());
            if (part.index != partition || part.check() != checks[partition]) {
              throw new EvaluationException("Cannot go on with this run: the files of its part " + partition
                  + " changed after it was planned (Spark planned it again after losing an executor); rerun it");
            }
            for (PlannedImage image : part.images) {
              if (image.task != null) {
                tasks.add(image.task);
              }
            }
          }
          return List.of(Shipped.wrap(new ArrayList<>(tasks))).iterator();
        }, true);
  }

  /**
   * Which committed chunk supplies each image of the run ({@link RunDirectory#choose}), decided in one task that
   * reads every chunk's header: one wrapped list of {@link CommittedResults.FileToRead} per partition of the
   * result, every file once, for the job that reads the results.
   *
   * @param files        every committed chunk of the run, in name order
   * @param earlierFiles the chunks that existed before this attempt scored anything
   */
  static JavaRDD<byte[]> filesToRead(Plan plan, List<String> files, Set<String> earlierFiles,
                                     Broadcast<byte[]> confBc, int slices) {
    List<String> all = new ArrayList<>(files);
    Set<String> earlier = new HashSet<>(earlierFiles);
    int partitions = Math.max(1, Math.min(files.size(), slices));
    return plan.shares().get().coalesce(1).mapPartitions(wrapped -> {
      Set<String> planned = new HashSet<>();
      Set<String> rescored = new HashSet<>();
      while (wrapped.hasNext()) {
        if (Shipped.unwrap(wrapped.next()) instanceof PlanPart part) {
          for (PlannedImage image : part.images) {
            planned.add(image.id);
            if (image.rescored) {
              rescored.add(image.id);
            }
          }
        }
      }
      Map<String, List<RunDirectory.Entry>> entries = readEntries(all,
          SerializableConfiguration.of(confBc.value()));
      List<Set<String>> skips = RunDirectory.choose(entries, earlier, rescored, planned);
      List<CommittedResults.FileToRead> reads = new ArrayList<>();
      int f = 0;
      for (String file : entries.keySet()) {
        reads.add(new CommittedResults.FileToRead(file, skips.get(f++)));
      }
      List<Tuple2<Integer, byte[]>> out = new ArrayList<>();
      for (int i = 0; i < partitions; i++) {
        int from = (int) ((long) i * reads.size() / partitions);
        int to = (int) ((long) (i + 1) * reads.size() / partitions);
        out.add(new Tuple2<>(i, Shipped.wrap(new ArrayList<>(reads.subList(from, to)))));
      }
      return out.iterator();
    }).mapToPair(t -> t).partitionBy(new HashPartitioner(partitions)).values();
  }

  /** Every file's header, in file name order, read side by side (each IOException keeps its type). */
  static Map<String, List<RunDirectory.Entry>> readEntries(List<String> files, Configuration conf)
      throws IOException {
    Map<String, List<RunDirectory.Entry>> out = new TreeMap<>();
    if (files.isEmpty()) {
      return out;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_HEADER_READS, files.size()), r -> {
      Thread t = new Thread(r, "segeval-read-headers");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<List<RunDirectory.Entry>>> reads = new ArrayList<>();
      for (String file : files) {
        reads.add(pool.submit(() -> RunDirectory.readEntries(file, conf)));
      }
      for (int i = 0; i < files.size(); i++) {
        out.put(files.get(i), BackgroundResults.get(reads.get(i), "reading " + HadoopPaths.redact(files.get(i))));
      }
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  /** For tests: the plan's shares in partition order. */
  static List<PlanPart> parts(Plan plan) {
    List<PlanPart> parts = new ArrayList<>();
    for (byte[] b : plan.shares().get().collect()) {
      if (Shipped.unwrap(b) instanceof PlanPart part) {
        parts.add(part);
      }
    }
    return parts;
  }
}
