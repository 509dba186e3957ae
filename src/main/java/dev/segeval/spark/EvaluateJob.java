package dev.segeval.spark;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.inference.ModelLoadException;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.MetricReport;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.report.Charts;
import dev.segeval.report.HtmlReports;
import dev.segeval.report.RunInfo;
import dev.segeval.report.SummaryJson;
import dev.segeval.runs.RunDirectory;
import dev.segeval.runs.RunFingerprint;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FileSource;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.ImageResult;
import dev.segeval.scoring.ImageScorer;
import dev.segeval.scoring.PredictionSource;
import dev.segeval.scoring.PredictionSource.TaskResources;
import dev.segeval.scoring.ReadAhead;
import dev.segeval.scoring.RunAggregate;
import dev.segeval.scoring.RunPlanner;
import dev.segeval.scoring.ScoringTask;
import dev.segeval.scoring.SystematicErrors;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * The {@code evaluate} job. The driver checks the inputs and the output; the run is planned (listing, prediction
 * matching, on resume the results committed before: {@link DistributedPlan}) in a task on an executor, so that the
 * driver holds nothing per image, or on the driver in local mode, where both are one JVM; the driver stores the
 * run's fingerprint; executors read, decode and score images and
 * commit per-image results as they go ({@link RunDirectory}), so that a rerun with {@code --resume} scores only
 * what a dead driver left unscored. Each committed chunk carries its summary (its share of the aggregate and its
 * images/ rows, {@link CommittedResults}); the summaries of all committed chunks are then merged with a tree
 * aggregation (order-independent, exact), checked for systematic input mistakes, and written as Parquet tables;
 * the summary JSON comes last, so that a run without {@code summary.json} is known to be incomplete.
 */
public final class EvaluateJob {
  public static final String VERSION = EvaluateJob.class.getPackage().getImplementationVersion() == null
      ? "dev" : EvaluateJob.class.getPackage().getImplementationVersion();

  /** What a finished run produced. */
  public record Outcome(RunInfo run, MetricReport report, ClassSpace space, RunAggregate aggregate) {
  }

  private EvaluateJob() {
  }

  public static Outcome run(SparkSession spark, EvaluationSpec spec, PrintStream log) throws IOException {
    return run(spark, spec, RunOptions.DEFAULTS, log);
  }

  public static Outcome run(SparkSession spark, EvaluationSpec spec, RunOptions options, PrintStream log)
      throws IOException {
    return run(spark, spec, options, null, log);
  }

  /**
   * Runs the job; with Spark in local mode, its planning task takes the listing the command line started while
   * Spark started (null: it lists). On a cluster the listing is the planning task's, and {@code early} is unused.
   */
  public static Outcome run(SparkSession spark, EvaluationSpec spec, RunOptions options,
                            RunPlanner.EarlyPlan early, PrintStream log) throws IOException {
    long t0 = System.nanoTime();
    String startedAt = Instant.now().toString();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String group = "segeval-" + spec.runId();

    // Everything that can be wrong with the inputs as a whole is found here, before any image is scored.
    jsc.setJobDescription("segeval: check inputs");
    requireWritable("--output", spec.output(), conf);
    LabelTable table = RunPlanner.labelTable(spec, conf);
    ClassSpace space = new ClassSpace(table, spec.encoding());
    String modelSha256 = "none";
    String protocol = "none";
    String precision = null;
    if (spec.predictions() instanceof ModelPredictions model) {
      if (spec.encoding() != PredictionEncoding.TRAIN_ID) {
        throw new EvaluationException("Cannot evaluate a model in the labelId encoding: models predict train ids");
      }
      if (model.options().savePredictions() != null) {
        requireWritable("--save-predictions", model.options().savePredictions(), conf);
      }
      jsc.setJobDescription("segeval: load model " + HadoopPaths.redact(model.options().modelUri()));
      try {
        // The card first: a model of another dataset is named by its card before the model is loaded.
        var card = dev.segeval.inference.ModelCard.near(model.options().modelUri(), conf);
        if (card.isPresent()) {
          card.get().check(spec.dataset(), space.numClasses(), null);
        }
        modelSha256 = ModelPredictions.validate(model.options(), space, conf,
            new TaskResources(taskSlots(spark.sparkContext().getConf()), null));
        if (card.isPresent()) {
          card.get().check(spec.dataset(), space.numClasses(), modelSha256);
          log.println("[segeval] model card " + HadoopPaths.redact(card.get().uri()) + " agrees with the run");
        }
      } catch (ModelLoadException e) {
        throw new EvaluationException(e.getMessage(), e);
      }
      protocol = model.options().protocol().toString();
      precision = model.options().precision().cliName();
      if (model.options().precision() != dev.segeval.inference.Precision.FP32) {
        // Part of the fingerprint: a run resumed in another precision must not mix its images.
        protocol += ", precision " + precision;
      }
      spec = withPredictions(spec, model.withSpace(space));
      log.printf(Locale.ROOT, "[segeval] model %s (SHA-256 %s...): %d classes, %s%n",
          HadoopPaths.redact(model.options().modelUri()), modelSha256.substring(0, 12), space.numClasses(),
          protocol);
    }
    Broadcast<byte[]> confBc = jsc.broadcast(SerializableConfiguration.bytes(conf));
    RunDirectory baseDir = new RunDirectory(spec.output(), spec.runId());
    // On resume, the results an earlier attempt committed are matched to the images with the listing: the stored
    // fingerprint names them, and a plan whose fingerprint differs from it fails below before anything is scored.
    RunFingerprint stored = options.resume() ? baseDir.readFingerprint(conf) : null;
    List<String> committedBefore = stored == null ? List.of() : baseDir.forFingerprint(stored).committedFiles(conf);

    // On a cluster the plan is made in a Spark task (listing, matching, the earlier results): the driver keeps a few
    // numbers per partition, whatever the number of images. In local mode, one JVM, it is made here.
    runJobsAs(jsc, group, (committedBefore.isEmpty() ? "segeval: " : "segeval: read committed results of run "
        + spec.runId() + ", ") + "list " + spec.dataset() + " " + spec.split() + " and match its files");
    long listStart = System.nanoTime();
    int parallelism = jsc.defaultParallelism();
    int requested = spec.partitions();
    DistributedPlan.Partitioning partitioning = images -> (int) (requested > 0 ? Math.min(requested, images)
        : Math.min(images, Math.max(parallelism * 3L, (images + 99) / 100)));
    boolean local = spark.sparkContext().isLocal();
    DistributedPlan.Plan plan = options.plansOnExecutor(local)
        ? DistributedPlan.build(jsc, spec, confBc, committedBefore, partitioning, local ? early : null)
        : DistributedPlan.onDriver(jsc, spec, conf, committedBefore, partitioning, local ? early : null);
    if (early != null && local) {
      log.printf(Locale.ROOT, "[segeval] listed while Spark started (%.1f s); the job waited %.1f s for its plan%n",
          early.seconds(), (System.nanoTime() - listStart) / 1e9);
    }
    try {
      return run(spark, spec, options, log, t0, startedAt, jsc, conf, group, table, space, modelSha256, protocol,
          precision, confBc, baseDir, stored, committedBefore, plan, (System.nanoTime() - listStart) / 1e9);
    } finally {
      plan.release();
      confBc.destroy();
    }
  }

  private static Outcome run(SparkSession spark, EvaluationSpec spec, RunOptions options, PrintStream log, long t0,
                             String startedAt, JavaSparkContext jsc, Configuration conf, String group,
                             LabelTable table, ClassSpace space, String modelSha256, String protocol,
                             String precision, Broadcast<byte[]> confBc, RunDirectory baseDir, RunFingerprint stored,
                             List<String> committedBefore, DistributedPlan.Plan plan, double planSeconds)
      throws IOException {
    long images = plan.images();
    double listingSeconds = (System.nanoTime() - t0) / 1e9;
    log.printf(Locale.ROOT, "[segeval] %s %s: %d images listed and matched in %.1f s under %s; %d classes%n",
        spec.dataset(), spec.split(), images, planSeconds, HadoopPaths.redact(spec.dataRoot()), space.numClasses());

    // The run's state: its fingerprint and the results committed so far.
    RunFingerprint fingerprint = fingerprint(spec, table, images, plan.listingDigest(), plan.predictionsDigest(),
        modelSha256, protocol);
    RunDirectory runDir = baseDir.forFingerprint(fingerprint);
    if (options.resume() && stored != null) {
      List<String> differences = stored.differences(fingerprint);
      if (!differences.isEmpty()) {
        throw new dev.segeval.runs.FingerprintMismatchException("Cannot resume run '" + spec.runId()
            + "': it was started with other "
            + "inputs: " + String.join("; ", differences) + ". Rerun without --resume to score it afresh, or "
            + "use another --run-id");
      }
      plan.requireCommittedRead();
    } else {
      if (options.resume()) {
        log.printf(Locale.ROOT, "[segeval] nothing to resume for run %s under %s: starting it%n", spec.runId(),
            HadoopPaths.redact(spec.output()));
      }
      runDir.start(fingerprint, conf);
      committedBefore = List.of();
    }
    // Scored images are done; images that failed in an earlier attempt are scored again (their file may have
    // been fixed in between), like the images without any committed result.
    long resumed = plan.resumed();
    long remaining = images - resumed;
    if (options.resume() && !committedBefore.isEmpty()) {
      log.printf(Locale.ROOT, "[segeval] resuming run %s: %d of %d images already committed; scoring the other "
          + "%d%s%n", spec.runId(), resumed, images, remaining, plan.rescored() == 0 ? ""
          : " (" + plan.rescored() + " of them failed before and are scored again)");
    }

    long t1 = System.nanoTime();
    // The chunks that the successful task of each partition committed (one attempt per partition, as Spark
    // collects them), to tell whether the write phase may skip reading every chunk's header.
    List<CommittedChunk> reported = new ArrayList<>();
    // Names this attempt's chunks: an image scored again (it failed before) must not find its new chunk's name
    // taken by the earlier one, whose result it replaces.
    String attempt = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1);
    int readAhead = options.readAheadFor(spec.dataRoot(),
        spec.predictions() instanceof FolderPredictions folder ? folder.root() : null);
    if (readAhead > 0 && remaining > 0) {
      log.printf(Locale.ROOT, "[segeval] reading the files of %d images ahead in each task%n", readAhead);
    }
    if (remaining > 0) {
      LongAccumulator scored = jsc.sc().longAccumulator("segeval.images");
      runJobsAs(jsc, group, "segeval: score " + remaining + " images of " + spec.dataset() + " " + spec.split());
      try (ProgressReporter ignored = new ProgressReporter(jsc, group, scored, remaining, log,
          options.progressIntervalMs())) {
        for (byte[] report : DistributedPlan.remainingTasks(plan)
            .mapPartitions(new ScoreAndCommit(space, spec, runDir.forAttempt(attempt), confBc, scored,
                options.commitIntervalMs(), readAhead)).collect()) {
          reported.add(Shipped.unwrap(report));
        }
      }
    }
    double scoringSeconds = (System.nanoTime() - t1) / 1e9;
    // Marks the end of the scoring stage for people and for tools reading the log (the benchmark's RSS-by-image
    // count splits its samples here).
    if (remaining > 0) {
      log.printf(Locale.ROOT, "[segeval] scored %d images in %.1f s; merging the results and writing the "
          + "tables%n", remaining, scoringSeconds);
    }
    // "writing" in the timings: reading the committed chunks' headers and summaries, merging them and writing every
    // table.
    long t2 = System.nanoTime();

    // Every committed result, each image once, whether scored now or by an earlier attempt.
    List<String> files = runDir.committedFiles(conf);
    int readSlices = Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 3));
    JavaRDD<byte[]> reads;
    if (committedBefore.isEmpty() && CommittedChunk.coverEachImageOnce(reported, files, remaining)) {
      // The usual case, a run scored in one attempt without failed or speculative tasks: nothing to choose, so no
      // chunk's header is read here.
      List<CommittedResults.FileToRead> all = new ArrayList<>();
      for (String file : files) {
        all.add(new CommittedResults.FileToRead(file, Set.of()));
      }
      List<byte[]> slices = Shipped.slices(all, readSlices);
      reads = jsc.parallelize(slices, slices.size());
    } else {
      // Chunks overlap (an earlier attempt, a task that ran twice): which chunk supplies each image is decided in a
      // task that reads every chunk's header (RunDirectory.choose).
      reads = DistributedPlan.filesToRead(plan, files, new HashSet<>(committedBefore), confBc, readSlices);
    }
    // One pass over the committed results: each task reads its files, writes their images/ rows into a staging
    // folder and returns its share of the aggregate, the worst images and the first failures; the shares are
    // merged with a tree reduction (order-independent, exact). The staging folder becomes images/ only once the
    // run is known to be sound; nothing is persisted or read twice.
    String out = spec.output();
    AbsentClassPolicy policy = spec.absentPolicy();
    String imagesStaging = ResultTableFiles.stage(tablePath(out, "images", spec.runId()));
    CommittedResults.ResultShare share;
    runJobsAs(jsc, group, "segeval: merge results of run " + spec.runId() + " and write images/");
    try {
      share = Shipped.unwrap(reads
          .mapPartitionsWithIndex(new CommittedResults.ReadAndWriteResults(space, policy, imagesStaging, confBc),
              false)
          .treeReduce((a, b) -> Shipped.wrap(Shipped.<CommittedResults.ResultShare>unwrap(a)
              .merge(Shipped.unwrap(b))),
              files.size() > 64 ? 2 : 1));
      RunAggregate aggregate = share.aggregate;
      if (aggregate.okImages() + aggregate.failedImages() != images) {
        throw new IllegalStateException(String.format(Locale.ROOT, "Run %s has %d committed results for %d images",
            spec.runId(), aggregate.okImages() + aggregate.failedImages(), images));
      }
      Optional<String> systematic = SystematicErrors.explain(space, aggregate, images,
          spec.predictions() instanceof FolderPredictions);
      if (systematic.isPresent()) {
        throw new EvaluationException(systematic.get());
      }
      // summary.json marks a complete output: remove the previous one before touching any table, so that a run
      // that dies while writing (or a rerun of the same run id) never leaves a summary next to partial tables.
      HadoopPaths.delete(HadoopPaths.join(out, "summary.json"), conf);
      HadoopPaths.delete(runSummaryPath(out, spec.runId()), conf);
      if (share.rows == 0) {
        ResultTableFiles.writePart(imagesStaging, 0, ParquetRows.encode(ResultTables.IMAGES, List.of()), conf);
      }
      ResultTableFiles.commit(imagesStaging, tablePath(out, "images", spec.runId()), conf);
    } finally {
      try {
        ResultTableFiles.discard(imagesStaging, conf); // after a failure; a no-op once committed
      } catch (IOException e) {
        log.println("[segeval] warning: could not remove " + HadoopPaths.redact(imagesStaging) + ": " + e);
      }
    }
    RunAggregate aggregate = share.aggregate;
    MetricReport report = MetricReport.compute(space, aggregate.stats(), policy);
    writeSmallTables(space, report, aggregate.stats(), out, spec.runId(), conf, log);
    double writingSeconds = (System.nanoTime() - t2) / 1e9;
    double totalSeconds = (System.nanoTime() - t0) / 1e9;
    String master = spark.sparkContext().master();
    RunInfo run = runInfo(spec, startedAt, master, images, aggregate, listingSeconds, scoringSeconds,
        writingSeconds, totalSeconds, share.failures, resumed, precision);
    writeSmall("summary", ResultTables.SUMMARY, List.of(ResultTables.summaryRow(run, report)), out,
        spec.runId(), conf);
    String title = spec.dataset() + " " + spec.split() + ", run " + spec.runId();
    HadoopPaths.writeAtomically(HadoopPaths.join(out, "classes.svg"), Charts.classBars(space, report, title), conf);
    HadoopPaths.writeAtomically(HadoopPaths.join(out, "confusion.svg"),
        Charts.confusion(space, aggregate.stats().confusion(), title), conf);
    byte[] page = HtmlReports.run(run, report, space, aggregate.stats().confusion(), share.worst);
    HadoopPaths.writeAtomically(HadoopPaths.join(out, "runs", spec.runId(), "report.html"), page, conf);
    HadoopPaths.writeAtomically(HadoopPaths.join(out, "report.html"), page, conf);
    // summary.json last: its presence marks a complete run. runs/<id>/summary.json belongs to this run alone;
    // the top-level one is the latest run's, whichever of several runs sharing the output finished last.
    byte[] summary = SummaryJson.render(run, report);
    HadoopPaths.writeAtomically(runSummaryPath(out, spec.runId()), summary, conf);
    HadoopPaths.writeAtomically(HadoopPaths.join(out, "summary.json"), summary, conf);
    jsc.clearJobGroup();
    return new Outcome(run, report, space, aggregate);
  }

  /**
   * Puts the jobs that follow in the run's group, interrupting their tasks when a job is cancelled or aborted (in
   * local mode one failed task aborts it). Spark's default leaves such tasks running: they keep their task slots,
   * and one waiting on a read-ahead read, or in S3A's retry loop against a server that has gone, never ends.
   */
  private static void runJobsAs(JavaSparkContext jsc, String group, String description) {
    jsc.setJobGroup(group, description, true);
  }

  /**
   * Fails before any work when results (or saved predictions) could not be written there. Only a problem of the
   * place itself is the user's to fix (exit 2); an outage while probing propagates as the run's failure.
   */
  private static void requireWritable(String option, String uri, Configuration conf) throws IOException {
    try {
      HadoopPaths.requireWritableDirectory(uri, conf);
    } catch (HadoopPaths.NotWritableException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
          .orElse("");
      throw new EvaluationException("Cannot write to " + option + " " + HadoopPaths.redact(uri) + ": "
          + HadoopPaths.redact(why) + "; give a folder you can write to (for s3a://, an existing bucket)", e);
    }
  }

  static RunFingerprint fingerprint(EvaluationSpec spec, LabelTable table, long images, String listingDigest,
                                    String predictionsDigest, String modelSha256, String protocol) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("tool.version", VERSION);
    f.put("dataset", spec.dataset());
    f.put("split", spec.split());
    f.put("data.root", HadoopPaths.redact(HadoopPaths.normalize(spec.dataRoot())));
    f.put("labels.table", table.name() + " " + table.digest());
    f.put("images", String.valueOf(images));
    f.put("listing.sha256", listingDigest);
    f.put("predictions", spec.predictions() instanceof FolderPredictions folder
        ? HadoopPaths.redact(HadoopPaths.normalize(folder.root())) : "model");
    f.put("predictions.sha256", predictionsDigest);
    f.put("model.sha256", modelSha256);
    f.put("protocol", protocol);
    // Which images fail as too large, and CPU against GPU arithmetic, change committed results too.
    f.put("device", spec.predictions() instanceof ModelPredictions m ? m.options().device() : "none");
    f.put("max.image.pixels", spec.predictions() instanceof ModelPredictions m ? String.valueOf(
        m.options().maxImagePixels()) : "none");
    f.put("prediction.encoding", spec.encoding().cliName());
    f.put("instances", String.valueOf(spec.instances()));
    return new RunFingerprint(f);
  }

  static EvaluationSpec withPredictions(EvaluationSpec s, PredictionSource p) {
    return new EvaluationSpec(s.dataset(), s.labelsFile(), s.dataRoot(), s.split(), p, s.encoding(), s.absentPolicy(),
        s.output(), s.runId(), s.partitions(), s.instances());
  }

  private static RunInfo runInfo(EvaluationSpec spec, String startedAt, String master, long images,
                                 RunAggregate agg, double listing, double scoring, double writing, double total,
                                 List<RunInfo.Failure> failures, long resumed, String precision) {
    return new RunInfo(spec.runId(), spec.dataset(), spec.split(), HadoopPaths.redact(spec.dataRoot()),
        HadoopPaths.redact(spec.predictions().describe()),
        spec.encoding().cliName(), spec.absentPolicy().cliName(), startedAt, master, VERSION, images,
        agg.okImages(), agg.failedImages(), agg.pixels(), listing, scoring, writing, total, failures, resumed,
        precision);
  }

  /**
   * What the running task may use (called in a task): the executor's task slots and cores, and the GPU Spark
   * assigned to the task (spark.task.resource.gpu.amount), if any. Outside a task: one slot, every core, no GPU.
   */
  public static TaskResources taskResources() {
    SparkEnv env = SparkEnv.get();
    int slots = env == null ? 1 : taskSlots(env.conf());
    int cores = env == null ? Runtime.getRuntime().availableProcessors() : executorCores(env.conf());
    String gpu = null;
    TaskContext task = TaskContext.get();
    if (task != null && task.resourcesJMap().containsKey("gpu")) {
      String[] addresses = task.resourcesJMap().get("gpu").addresses();
      gpu = addresses.length > 0 ? addresses[0] : null;
    }
    return new TaskResources(slots, gpu, cores);
  }

  /**
   * The cores this executor JVM owns: its local[N] threads in local mode, spark.executor.cores on a cluster (set by
   * conf/spark/*.conf; YARN and Kubernetes always set it), else every core the JVM sees.
   */
  static int executorCores(SparkConf sparkConf) {
    int all = Runtime.getRuntime().availableProcessors();
    String master = sparkConf.get("spark.master", "local[*]");
    if (master.startsWith("local")) {
      return all;
    }
    return Math.max(1, Math.min(all, sparkConf.getInt("spark.executor.cores", all)));
  }

  /** Concurrent tasks per executor JVM: N of local[N] (cores for local[*]), else spark.executor.cores. */
  public static int taskSlots(SparkConf sparkConf) {
    String master = sparkConf.get("spark.master", "local[*]");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\*|\\d+)(,\\d+)?\\]").matcher(master);
    if (m.matches()) {
      return m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
    }
    if (master.equals("local")) {
      return 1;
    }
    int cpusPerTask = sparkConf.getInt("spark.task.cpus", 1);
    return Math.max(1, sparkConf.getInt("spark.executor.cores", 1) / Math.max(1, cpusPerTask));
  }

  /** Writes the run's small tables from the driver (images/ is written by the tasks that read the results). */
  private static void writeSmallTables(ClassSpace space, MetricReport report, SegmentationStats stats, String out,
                                       String runId, Configuration conf, PrintStream log) throws IOException {
    Map<String, Double> seconds = new LinkedHashMap<>();
    seconds.put("classes", writeSmall("classes", ResultTables.CLASSES, ResultTables.classRows(space, report), out,
        runId, conf));
    seconds.put("categories", writeSmall("categories", ResultTables.CATEGORIES, ResultTables.categoryRows(report),
        out, runId, conf));
    seconds.put("confusion", writeSmall("confusion", ResultTables.CONFUSION,
        ResultTables.confusionRows(space, stats), out, runId, conf));
    StringBuilder line = new StringBuilder("[segeval] tables written:");
    seconds.forEach((name, sec) -> line.append(String.format(Locale.ROOT, " %s/ %.2f s", name, sec)));
    log.println(line);
  }

  /** Replaces this run's partition of a small table by one file written here; returns the seconds it took. */
  private static double writeSmall(String table, StructType schema, List<Row> rows, String out, String runId,
                                   Configuration conf) throws IOException {
    long start = System.nanoTime();
    ResultTableFiles.replaceWith(tablePath(out, table, runId), schema, rows, conf);
    return (System.nanoTime() - start) / 1e9;
  }

  /** The summary of one run, whatever other runs write into the same output. */
  public static String runSummaryPath(String output, String runId) {
    return HadoopPaths.join(output, "runs", runId, "summary.json");
  }

  public static String tablePath(String output, String table, String runId) {
    return HadoopPaths.join(output, table, "run_id=" + runId);
  }

  /**
   * Scores the images of one partition with one scorer (one per task thread) and commits the results as it goes:
   * whenever {@code commitIntervalMs} has passed since the last commit, and at the end of the partition.
   */
  static final class ScoreAndCommit implements FlatMapFunction<Iterator<byte[]>, byte[]> {
    private static final long serialVersionUID = 1L;
    private final ClassSpace space;
    private final EvaluationSpec spec;
    private final RunDirectory runDir;
    private final Broadcast<byte[]> conf;
    private final LongAccumulator scored;
    private final long commitIntervalMs;
    private final int readAhead;

    ScoreAndCommit(ClassSpace space, EvaluationSpec spec, RunDirectory runDir,
                   Broadcast<byte[]> conf, LongAccumulator scored, long commitIntervalMs,
                   int readAhead) {
      this.space = space;
      this.spec = spec;
      this.runDir = runDir;
      this.conf = conf;
      this.scored = scored;
      this.commitIntervalMs = commitIntervalMs;
      this.readAhead = readAhead;
    }

    /** Scores the partition's images and gives the chunks it committed, each {@link Shipped#wrap wrapped}. */
    @Override
    public Iterator<byte[]> call(Iterator<byte[]> slices) throws Exception {
      Iterator<ScoringTask> tasks = Shipped.<ScoringTask>unwrapAll(slices).iterator();
      Configuration taskConf = SerializableConfiguration.of(conf.value());
      SparkEnv env = SparkEnv.get();
      String worker = (env == null ? "?" : env.executorId()) + "@"
          + java.net.InetAddress.getLocalHost().getHostName() + ":" + ProcessHandle.current().pid();
      List<ImageResult> chunk = new ArrayList<>();
      List<byte[]> committed = new ArrayList<>();
      long lastCommit = System.nanoTime();
      FileSource direct = FileSource.of(taskConf);
      // Two background reads per image read ahead, at most 16: enough to overlap an object store's latency
      // without opening more connections than S3A's pool holds.
      try (ReadAhead ahead = readAhead > 0 ? new ReadAhead(direct, readAhead, Math.min(16, 2 * readAhead),
          task -> ImageScorer.filesRead(space, spec.predictions(), task)) : null;
           ImageScorer scorer = new ImageScorer(space, spec.predictions(), taskConf, taskResources(),
               ahead != null ? ahead : direct)) {
        Iterator<ScoringTask> ordered = ahead != null ? ahead.over(tasks) : tasks;
        while (ordered.hasNext()) {
          chunk.add(scorer.score(ordered.next()).withWorker(worker));
          scored.add(1);
          if (System.nanoTime() - lastCommit >= commitIntervalMs * 1_000_000L) {
            commit(chunk, taskConf, committed);
            chunk.clear();
            lastCommit = System.nanoTime();
          }
        }
      }
      commit(chunk, taskConf, committed);
      return committed.iterator();
    }

    /** Commits the chunk's results with its summary and notes the file; nothing for an empty chunk. */
    private void commit(List<ImageResult> chunk, Configuration taskConf, List<byte[]> committed)
        throws IOException {
      if (!chunk.isEmpty()) {
        String file = runDir.commit(chunk, CommittedResults.summarize(chunk, space, spec.absentPolicy()), taskConf);
        committed.add(Shipped.wrap(new CommittedChunk(file, chunk.size())));
      }
    }
  }
}
