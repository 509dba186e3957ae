package dev.segeval.spark;

import dev.segeval.datasets.DatasetLayout;
import dev.segeval.datasets.DatasetLayouts;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.datasets.PredictionIndex;
import dev.segeval.datasets.Sample;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.metrics.MetricReport;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.report.Charts;
import dev.segeval.report.RunInfo;
import dev.segeval.report.SummaryJson;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.ImageResult;
import dev.segeval.scoring.ImageScorer;
import dev.segeval.scoring.RunAggregate;
import dev.segeval.scoring.ScoringTask;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import dev.segeval.inference.DjlRuntime;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

/**
 * The {@code evaluate} job. The driver lists the split and resolves prediction files; executors read, decode and
 * score images (per-image sufficient statistics only, never pixels, leave the executors); statistics are merged
 * with a tree aggregation; ratios are computed once on the driver; tables are written as Parquet and the
 * summary JSON last, so that a run without {@code summary.json} is known to be incomplete.
 */
public final class EvaluateJob {
  public static final String VERSION = EvaluateJob.class.getPackage().getImplementationVersion() == null
      ? "dev" : EvaluateJob.class.getPackage().getImplementationVersion();

  /** Milliseconds between progress lines on the driver (evaluate --progress-interval sets it). */
  public static final String PROGRESS_INTERVAL_PROPERTY = "segeval.progress.intervalMs";

  /** What a finished run produced. */
  public record Outcome(RunInfo run, MetricReport report, ClassSpace space, RunAggregate aggregate) {
  }

  /** A run that cannot start: bad option, empty split, no predictions. The message says what to do. */
  public static final class EvaluationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EvaluationException(String message) {
      super(message);
    }
  }

  private EvaluateJob() {
  }

  /** Loads the labels table of a spec: the custom file if given, else the dataset's built-in table. */
  public static LabelTable labelTable(EvaluationSpec spec, Configuration conf) throws IOException {
    if (spec.labelsFile() != null) {
      return LabelTable.parse(HadoopPaths.fileName(spec.labelsFile()), spec.labelsFile(),
          HadoopPaths.readLines(spec.labelsFile(), conf), java.util.Map.of());
    }
    if (spec.dataset().equalsIgnoreCase("folder")) {
      throw new EvaluationException("Cannot evaluate dataset 'folder': pass its labels table with --labels <csv>");
    }
    return LabelTable.builtIn(spec.dataset());
  }

  /** Lists the split and resolves every sample's prediction on the driver. */
  public static List<ScoringTask> plan(EvaluationSpec spec, Configuration conf) throws IOException {
    DatasetLayout layout = DatasetLayouts.forName(spec.dataset());
    List<Sample> samples = layout.list(spec.dataRoot(), spec.split(), conf);
    if (samples.isEmpty()) {
      throw new EvaluationException(String.format(Locale.ROOT,
          "Cannot evaluate: no images in split '%s' of %s under %s (expected %s); check --data-root and --split",
          spec.split(), layout.name(), spec.dataRoot(), layout.describeLayout(spec.dataRoot(), spec.split())));
    }
    List<ScoringTask> tasks = new ArrayList<>(samples.size());
    if (spec.predictions() instanceof FolderPredictions folder) {
      PredictionIndex index = PredictionIndex.build(folder.root(), conf);
      if (index.size() == 0) {
        throw new EvaluationException("Cannot evaluate: no .png predictions under " + folder.root()
            + "; check --predictions");
      }
      for (Sample s : samples) {
        try {
          tasks.add(new ScoringTask(s, index.resolve(s.id(), layout.predictionMatcher()), null));
        } catch (IllegalStateException e) {
          tasks.add(new ScoringTask(s, null, e.getMessage()));
        }
      }
    } else {
      for (Sample s : samples) {
        tasks.add(new ScoringTask(s, null, null));
      }
    }
    if (!spec.instances()) {
      tasks.replaceAll(t -> new ScoringTask(new Sample(t.sample().id(), t.sample().imagePath(),
          t.sample().labelPath(), null), t.predictionPath(), t.resolutionError()));
    }
    return tasks;
  }

  public static Outcome run(SparkSession spark, EvaluationSpec spec, PrintStream log) throws IOException {
    long t0 = System.nanoTime();
    String startedAt = Instant.now().toString();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration conf = spark.sparkContext().hadoopConfiguration();

    jsc.setJobDescription("segeval: list " + spec.dataset() + " " + spec.split());
    LabelTable table = labelTable(spec, conf);
    ClassSpace space = new ClassSpace(table, spec.encoding());
    if (spec.predictions() instanceof ModelPredictions model) {
      if (spec.encoding() != PredictionEncoding.TRAIN_ID) {
        throw new EvaluationException("Cannot evaluate a model in the labelId encoding: models predict train ids");
      }
      ModelPredictions bound = model.withSpace(space);
      jsc.setJobDescription("segeval: load model " + HadoopPaths.redact(model.options().modelUri()));
      Configuration driverConf = new Configuration(conf);
      driverConf.setInt(ModelPredictions.TASK_SLOTS_KEY, taskSlots(spark.sparkContext().getConf()));
      ModelPredictions.validate(model.options(), space, driverConf);
      spec = withPredictions(spec, bound);
      log.printf(Locale.ROOT, "[segeval] model %s: %d classes, %s; %s%n",
          HadoopPaths.redact(model.options().modelUri()), space.numClasses(), model.options().protocol(),
          DjlRuntime.describe());
    }
    List<ScoringTask> tasks = plan(spec, conf);
    double listingSeconds = (System.nanoTime() - t0) / 1e9;
    log.printf(Locale.ROOT, "[segeval] %s %s: %d images listed in %.1f s under %s; %d classes%n", spec.dataset(),
        spec.split(), tasks.size(), listingSeconds, HadoopPaths.redact(spec.dataRoot()), space.numClasses());

    int partitions = spec.partitions() > 0 ? spec.partitions()
        : (int) Math.min(tasks.size(), Math.max(jsc.defaultParallelism() * 3L, (tasks.size() + 99) / 100));
    Broadcast<SerializableConfiguration> confBc = jsc.broadcast(new SerializableConfiguration(conf));
    LongAccumulator done = jsc.sc().longAccumulator("segeval.images");
    final EvaluationSpec jobSpec = spec;
    JavaRDD<ImageResult> results = jsc.parallelize(tasks, partitions)
        .mapPartitions(new ScorePartition(space, jobSpec, confBc, done))
        .persist(StorageLevel.MEMORY_AND_DISK_SER()); // serialised: sparse matrices

    long t1 = System.nanoTime();
    String group = "segeval-" + spec.runId();
    jsc.setJobGroup(group, "segeval: score " + tasks.size() + " images of " + spec.dataset() + " " + spec.split(),
        false);
    RunAggregate aggregate;
    long interval = Long.getLong(PROGRESS_INTERVAL_PROPERTY, 5000L);
    try (ProgressReporter ignored = new ProgressReporter(jsc, group, done, tasks.size(), log, interval)) {
      aggregate = results.treeAggregate(new RunAggregate(SegmentationStats.empty(space)), RunAggregate::add,
          RunAggregate::merge, partitions > 64 ? 2 : 1);
    }
    double scoringSeconds = (System.nanoTime() - t1) / 1e9;
    MetricReport report = MetricReport.compute(space, aggregate.stats(), spec.absentPolicy());

    List<RunInfo.Failure> failures = new ArrayList<>();
    if (aggregate.failedImages() > 0) {
      jsc.setJobDescription("segeval: collect failures");
      for (ImageResult r : results.filter(r -> !r.ok()).take(RunInfo.MAX_LISTED_FAILURES)) {
        failures.add(new RunInfo.Failure(r.id(), r.error()));
      }
    }

    long t2 = System.nanoTime();
    String master = spark.sparkContext().master();
    String out = spec.output();
    // summary.json marks a complete output: remove the previous one before touching any table, so that a run
    // that dies while writing (or a rerun of the same run id) never leaves a summary next to partial tables.
    HadoopPaths.delete(HadoopPaths.join(out, "summary.json"), conf);
    // The four tables are independent Spark jobs: submitting them from parallel threads overlaps their
    // scheduling and Parquet set-up (job groups are per thread, so each names its own table in the UI).
    AbsentClassPolicy policy = spec.absentPolicy();
    JavaRDD<Row> imageRows = results.map(r -> ResultTables.imageRow(r, space, policy));
    runAll(List.of(
        new TableWrite("images", spark.createDataFrame(imageRows, ResultTables.IMAGES)),
        new TableWrite("classes", spark.createDataFrame(ResultTables.classRows(space, report),
            ResultTables.CLASSES).coalesce(1)),
        new TableWrite("categories", spark.createDataFrame(ResultTables.categoryRows(report),
            ResultTables.CATEGORIES).coalesce(1)),
        new TableWrite("confusion", spark.createDataFrame(ResultTables.confusionRows(space, aggregate.stats()),
            ResultTables.CONFUSION).coalesce(1))), jsc, group, out, jobSpec.runId());
    results.unpersist(false);
    double writingSeconds = (System.nanoTime() - t2) / 1e9;
    double totalSeconds = (System.nanoTime() - t0) / 1e9;
    RunInfo run = runInfo(spec, startedAt, master, tasks.size(), aggregate, listingSeconds, scoringSeconds,
        writingSeconds, totalSeconds, failures);
    jsc.setJobGroup(group, "segeval: write summary/", false);
    writeSmall(spark, List.of(ResultTables.summaryRow(run, report)), ResultTables.SUMMARY,
        tablePath(out, "summary", spec.runId()));
    String title = spec.dataset() + " " + spec.split() + ", run " + spec.runId();
    HadoopPaths.writeAtomically(HadoopPaths.join(out, "classes.svg"), Charts.classBars(space, report, title), conf);
    HadoopPaths.writeAtomically(HadoopPaths.join(out, "confusion.svg"),
        Charts.confusion(space, aggregate.stats().confusion(), title), conf);
    // summary.json last: its presence marks a complete run.
    HadoopPaths.writeAtomically(HadoopPaths.join(out, "summary.json"), SummaryJson.render(run, report), conf);
    jsc.clearJobGroup();
    return new Outcome(run, report, space, aggregate);
  }

  static EvaluationSpec withPredictions(EvaluationSpec s, dev.segeval.scoring.PredictionSource p) {
    return new EvaluationSpec(s.dataset(), s.labelsFile(), s.dataRoot(), s.split(), p, s.encoding(), s.absentPolicy(),
        s.output(), s.runId(), s.partitions(), s.instances());
  }

  private static RunInfo runInfo(EvaluationSpec spec, String startedAt, String master, long images,
                                 RunAggregate agg, double listing, double scoring, double writing, double total,
                                 List<RunInfo.Failure> failures) {
    return new RunInfo(spec.runId(), spec.dataset(), spec.split(), HadoopPaths.redact(spec.dataRoot()),
        HadoopPaths.redact(spec.predictions().describe()),
        spec.encoding().cliName(), spec.absentPolicy().cliName(), startedAt, master, VERSION, images,
        agg.okImages(), agg.failedImages(), agg.pixels(), listing, scoring, writing, total, failures);
  }

  /** Concurrent tasks per executor JVM: N of local[N] (cores for local[*]), else spark.executor.cores. */
  static int taskSlots(org.apache.spark.SparkConf sparkConf) {
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

  /** One result table to write under {@code <output>/<name>/run_id=<id>}. */
  private record TableWrite(String name, org.apache.spark.sql.Dataset<Row> rows) {
  }

  /** Writes the tables concurrently and rethrows the first failure once all have ended. */
  private static void runAll(List<TableWrite> tables, JavaSparkContext jsc, String group, String out, String runId)
      throws IOException {
    List<Runnable> writes = new ArrayList<>();
    for (TableWrite t : tables) {
      writes.add(() -> {
        jsc.setJobGroup(group, "segeval: write " + t.name() + "/ for run " + runId, false);
        t.rows().write().mode(SaveMode.Overwrite).parquet(tablePath(out, t.name(), runId));
      });
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writes.size(),
        r -> {
          Thread t = new Thread(r, "segeval-writer");
          t.setDaemon(true);
          return t;
        });
    try {
      List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
      for (Runnable w : writes) {
        futures.add(pool.submit(w));
      }
      RuntimeException first = null;
      for (java.util.concurrent.Future<?> f : futures) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (first == null) {
            first = e.getCause() instanceof RuntimeException re ? re : new RuntimeException(e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("Interrupted while writing the result tables", e);
        }
      }
      if (first != null) {
        throw first;
      }
    } finally {
      pool.shutdownNow();
    }
  }

  public static String tablePath(String output, String table, String runId) {
    return HadoopPaths.join(output, table, "run_id=" + runId);
  }

  private static void writeSmall(SparkSession spark, List<Row> rows, org.apache.spark.sql.types.StructType schema,
                                 String path) {
    spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
  }

  /** Scores the images of one partition with one scorer (one per task thread). */
  static final class ScorePartition implements FlatMapFunction<Iterator<ScoringTask>, ImageResult> {
    private static final long serialVersionUID = 1L;
    private final ClassSpace space;
    private final EvaluationSpec spec;
    private final Broadcast<SerializableConfiguration> conf;
    private final LongAccumulator done;

    ScorePartition(ClassSpace space, EvaluationSpec spec, Broadcast<SerializableConfiguration> conf,
                   LongAccumulator done) {
      this.space = space;
      this.spec = spec;
      this.conf = conf;
      this.done = done;
    }

    @Override
    public Iterator<ImageResult> call(Iterator<ScoringTask> tasks) throws Exception {
      List<ImageResult> out = new ArrayList<>();
      Configuration taskConf = new Configuration(conf.value().get());
      org.apache.spark.SparkEnv sparkEnv = org.apache.spark.SparkEnv.get();
      if (sparkEnv != null) {
        taskConf.setInt(ModelPredictions.TASK_SLOTS_KEY, taskSlots(sparkEnv.conf()));
      }
      TaskContext task = TaskContext.get();
      if (task != null && task.resourcesJMap().containsKey("gpu")) {
        // Spark assigned this task a GPU (spark.task.resource.gpu.amount): run the model there.
        String[] addresses = task.resourcesJMap().get("gpu").addresses();
        if (addresses.length > 0) {
          taskConf.set(ModelPredictions.TASK_GPU_KEY, addresses[0]);
        }
      }
      org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
      String worker = (env == null ? "?" : env.executorId()) + "@"
          + java.net.InetAddress.getLocalHost().getHostName() + ":" + ProcessHandle.current().pid();
      try (ImageScorer scorer = new ImageScorer(space, spec.predictions(), taskConf)) {
        while (tasks.hasNext()) {
          out.add(scorer.score(tasks.next()).withWorker(worker));
          done.add(1);
        }
      }
      return out.iterator();
    }
  }
}
