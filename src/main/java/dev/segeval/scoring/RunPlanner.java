package dev.segeval.scoring;

import dev.segeval.InvalidSettingException;
import dev.segeval.datasets.BackgroundResults;
import dev.segeval.datasets.DatasetLayout;
import dev.segeval.datasets.DatasetLayouts;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.datasets.PredictionIndex;
import dev.segeval.datasets.Sample;
import dev.segeval.labels.LabelTable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Everything decided before any image is scored, without Spark: the labels table, the listing of the split and,
 * for folder predictions, which file is each image's prediction. The same plan feeds the single-threaded reference
 * path and the Spark job, which makes it in a task on an executor (spark.DistributedPlan), so that the driver holds
 * nothing per image.
 */
public final class RunPlanner {
  private RunPlanner() {
  }

  /**
   * The images to score and digests of what was listed, for the run's fingerprint.
   *
   * @param tasks              one per image of the split, in listing order
   * @param listingDigest      SHA-256 over every image's id and ground-truth files
   * @param predictionsDigest  SHA-256 over every resolved prediction file with its length and modification time
   *                           (so that predictions rewritten in place are noticed); "none" for a model
   */
  public record RunPlan(List<ScoringTask> tasks, String listingDigest, String predictionsDigest) {
  }

  /**
   * Loads the labels table of a spec: the custom file if given, else the dataset's built-in table.
   *
   * @throws InvalidSettingException naming the file when it is missing or malformed
   */
  public static LabelTable labelTable(EvaluationSpec spec, Configuration conf) throws IOException {
    return labelTable(spec.dataset(), spec.labelsFile(), conf);
  }

  /** The custom labels file if given (any Hadoop URI), else the dataset's built-in table. */
  public static LabelTable labelTable(String dataset, String labelsFile, Configuration conf) throws IOException {
    if (labelsFile != null) {
      List<String> lines;
      try {
        lines = HadoopPaths.readLines(labelsFile, conf);
      } catch (FileNotFoundException e) {
        throw new InvalidSettingException("Cannot read --labels " + HadoopPaths.redact(labelsFile)
            + ": the file does not exist", e);
      }
      return LabelTable.parse(HadoopPaths.fileName(labelsFile), labelsFile, lines, Map.of());
    }
    if (dataset.equalsIgnoreCase("folder")) {
      throw new InvalidSettingException("Cannot evaluate dataset 'folder': pass its labels table with --labels <csv>");
    }
    return LabelTable.builtIn(dataset);
  }

  /** Lists the split and resolves every sample's prediction. */
  public static RunPlan plan(EvaluationSpec spec, Configuration conf) throws IOException {
    DatasetLayout layout = DatasetLayouts.forName(spec.dataset());
    // The prediction tree is listed on a second thread while the split is: two independent walks (on an object
    // store, two chains of paged requests) take the time of the longer one instead of their sum.
    java.util.concurrent.FutureTask<PredictionIndex> predictionListing = null;
    if (spec.predictions() instanceof FolderPredictions folder) {
      predictionListing = BackgroundWork.start("segeval-list-predictions",
          () -> PredictionIndex.build(folder.root(), conf));
    }
    try {
      return plan(spec, conf, layout, predictionListing);
    } finally {
      if (predictionListing != null) {
        predictionListing.cancel(true); // a no-op once it has finished; stops it when the split's listing failed
      }
    }
  }

  /**
   * A listing started ahead of the job: with Spark in local mode the command line lists the split while Spark
   * starts (seconds of class loading and start-up that the listing would otherwise follow), and the job's planning
   * task, which runs in the same JVM, takes the plan when it needs it. On a cluster the driver lists nothing.
   */
  public static final class EarlyPlan {
    private final EvaluationSpec spec;
    private final java.util.concurrent.FutureTask<RunPlan> task;
    private final long started = System.nanoTime();
    private volatile long finished;

    private EarlyPlan(EvaluationSpec spec, Configuration conf) {
      this.spec = spec;
      this.task = BackgroundWork.start("segeval-plan", () -> {
        try {
          return plan(spec, conf);
        } finally {
          finished = System.nanoTime();
        }
      });
    }

    /** Starts listing the spec's split (and prediction tree) on a daemon thread. */
    public static EarlyPlan start(EvaluationSpec spec, Configuration conf) {
      return new EarlyPlan(spec, conf);
    }

    /**
     * The plan, once listed; a listing failure is rethrown with its type.
     *
     * @param forSpec the spec of the job, which must list what the early spec listed
     * @throws IllegalArgumentException when it would not (a programming error)
     */
    public RunPlan await(EvaluationSpec forSpec) throws IOException {
      boolean sameFolder = spec.predictions() instanceof FolderPredictions a
          && forSpec.predictions() instanceof FolderPredictions b && a.root().equals(b.root());
      boolean bothModels = !(spec.predictions() instanceof FolderPredictions)
          && !(forSpec.predictions() instanceof FolderPredictions);
      if (!spec.dataset().equals(forSpec.dataset()) || !spec.dataRoot().equals(forSpec.dataRoot())
          || !spec.split().equals(forSpec.split()) || spec.instances() != forSpec.instances()
          || !(sameFolder || bothModels)) {
        throw new IllegalArgumentException("The listing started early was for another run: " + spec + " against "
            + forSpec);
      }
      return BackgroundResults.get(task, "listing " + HadoopPaths.redact(spec.dataRoot()));
    }

    /** How long the listing itself took (it may have begun well before the job asked for it); NaN until done. */
    public double seconds() {
      long end = finished;
      return end == 0 ? Double.NaN : (end - started) / 1e9;
    }

    /** Stops the listing if it still runs (a job that failed before it needed the plan). */
    public void cancel() {
      task.cancel(true);
    }
  }

  private static RunPlan plan(EvaluationSpec spec, Configuration conf, DatasetLayout layout,
                              java.util.concurrent.FutureTask<PredictionIndex> predictionListing) throws IOException {
    List<Sample> samples = new ArrayList<>(layout.list(spec.dataRoot(), spec.split(), conf));
    if (samples.isEmpty()) {
      throw new EvaluationException(String.format(Locale.ROOT,
          "Cannot evaluate: no images in split '%s' of %s under %s (expected %s); check --data-root and --split",
          spec.split(), layout.name(), HadoopPaths.redact(spec.dataRoot()),
          layout.describeLayout(spec.dataRoot(), spec.split())));
    }
    // One image per id: predictions are matched, results committed and resumed by id, so two label files with
    // one id (same name in two folders) would share one prediction and stand for each other.
    Map<String, String> seen = new java.util.HashMap<>();
    for (Sample s : samples) {
      String earlier = seen.putIfAbsent(s.id(), s.labelPath());
      if (earlier != null) {
        throw new EvaluationException(String.format(Locale.ROOT, "Cannot evaluate: two images have the id '%s' "
            + "(%s and %s); image ids (file names without extension) must be unique in a split",
            s.id(), HadoopPaths.redact(earlier), HadoopPaths.redact(s.labelPath())));
      }
    }
    if (!spec.instances()) {
      samples.replaceAll(s -> new Sample(s.id(), s.imagePath(), s.labelPath(), null));
    }
    MessageDigest listing = sha256();
    Map<String, String> folders = new java.util.HashMap<>();
    for (Sample s : samples) {
      update(listing, folders, s.id(), s.imagePath(), s.labelPath(), s.instancePath());
    }
    List<ScoringTask> tasks = new ArrayList<>(samples.size());
    String predictionsDigest = "none";
    if (spec.predictions() instanceof FolderPredictions folder) {
      PredictionIndex index = BackgroundResults.get(predictionListing, "listing the predictions");
      if (index.size() == 0) {
        throw new EvaluationException("Cannot evaluate: no .png predictions under "
            + HadoopPaths.redact(folder.root()) + "; check --predictions");
      }
      MessageDigest predictions = sha256();
      for (Sample s : samples) {
        try {
          String path = index.resolve(s.id(), layout.predictionMatcher());
          tasks.add(ScoringTask.of(s, path));
          update(predictions, folders, s.id(), path, index.stamp(path));
        } catch (PredictionIndex.UnresolvedPredictionException e) {
          tasks.add(new ScoringTask(s, null, new ImageFailure(e.ambiguous() ? ImageFailure.Kind.AMBIGUOUS_PREDICTION
              : ImageFailure.Kind.MISSING_PREDICTION, e.getMessage())));
          update(predictions, s.id(), e.ambiguous() ? "ambiguous" : "missing");
        }
      }
      predictionsDigest = HexFormat.of().formatHex(predictions.digest());
    } else {
      for (Sample s : samples) {
        tasks.add(ScoringTask.of(s, null));
      }
    }
    return new RunPlan(tasks, HexFormat.of().formatHex(listing.digest()), predictionsDigest);
  }

  /**
   * {@link HadoopPaths#normalize} of a path, normalising each folder once: a plain file name appended to the
   * normalised folder spells what normalising the whole path spells (pinned by RunPlannerTest), and building a
   * Hadoop Path per file was a third of the listing time at 100,000 images.
   */
  static String normalizedPath(String path, Map<String, String> folders) {
    int slash = path.lastIndexOf('/');
    String name = path.substring(slash + 1);
    String folderSpelling = slash <= 0 ? "" : path.substring(0, slash);
    if (folders == null || folderSpelling.isEmpty() || folderSpelling.endsWith(":") || folderSpelling.endsWith("/")
        || name.equals(".") || name.equals("..") || !HadoopPaths.plainFileName(name)) {
      return HadoopPaths.normalize(path);
    }
    String folder = folders.computeIfAbsent(folderSpelling, HadoopPaths::normalize);
    if (folder.endsWith("/") || folder.isEmpty()) {
      return HadoopPaths.normalize(path);
    }
    return folder + "/" + name;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private static void update(MessageDigest digest, String... fields) {
    update(digest, null, fields);
  }

  /** Digests fields, paths in their normalised spelling (the folders' spellings cached in {@code folders}). */
  private static void update(MessageDigest digest, Map<String, String> folders, String... fields) {
    for (String f : fields) {
      String value = f != null && f.contains("/") ? normalizedPath(f, folders) : f;
      digest.update(String.valueOf(value).getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
    }
    digest.update((byte) '\n');
  }
}
