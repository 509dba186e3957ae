package dev.segeval.bench;

import dev.segeval.compare.Comparison;
import dev.segeval.compare.PairedBootstrap;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.InvalidPixelException;
import dev.segeval.metrics.PixelScorer;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.synth.SyntheticDatasets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Calibration of {@code compare} by simulation with the project's synthetic Cityscapes scenes and error model.
 * A/A pairs: one ground truth, two prediction sets from the same error model with different seeds; every flag is a
 * false alarm. Drop pairs: the same, with the current run's predictions of two classes degraded (a share of their
 * correctly predicted rows turned into "unlabeled", a miss that is a false positive of no class); both classes
 * should be flagged, the others not.
 */
public final class CompareCalibration {
  /** Label ids of the two classes whose predictions are degraded: car and building. */
  static final int[] DROPPED = {26, 11};
  /** Cityscapes' "unlabeled": a predicted ignored label is a miss for the true class and a hit for no class. */
  static final int UNLABELED = 0;

  /**
   * @param pairs       A/A pairs
   * @param dropPairs   pairs with the injected drop
   * @param images      images per pair
   * @param dropShare   share of rows of a dropped class's correct pixels turned into "unlabeled"
   */
  public record Settings(int pairs, int dropPairs, int images, int width, int height, int resamples,
                         double dropShare, Comparison.ClassCorrection correction, long seed, String command) {
  }

  /** Rates over the pairs. */
  public record Result(Settings settings, int headlineFalseAlarms, int headlineFalseImprovements,
                       int[] headlineByMetric, int classFalseAlarms,
                       int dropBothFlagged, int[] dropFlaggedByClass, int dropOtherFlags, double meanDropPoints,
                       double seconds) {
  }

  private CompareCalibration() {
  }

  public static Result run(Settings s) throws InvalidPixelException {
    long t0 = System.nanoTime();
    ClassSpace space = new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.LABEL_ID);
    SplittableRandom seeds = new SplittableRandom(s.seed());
    int headlineAlarms = 0;
    int headlineImprovements = 0;
    int[] byMetric = new int[PairedBootstrap.HEADLINE.size()];
    int classAlarms = 0;
    for (int p = 0; p < s.pairs(); p++) {
      List<Comparison.MetricComparison> m = pair(space, s, seeds.split(), 0);
      boolean regression = false;
      boolean improvement = false;
      for (int k = 0; k < byMetric.length; k++) {
        if (m.get(k).verdict() == Comparison.Verdict.REGRESSION) {
          byMetric[k]++;
          regression = true;
        }
        improvement |= m.get(k).verdict() == Comparison.Verdict.IMPROVEMENT;
      }
      headlineAlarms += regression ? 1 : 0;
      headlineImprovements += improvement ? 1 : 0;
      classAlarms += m.stream().skip(byMetric.length).anyMatch(CompareCalibration::flagged) ? 1 : 0;
    }
    int both = 0;
    int[] byClass = new int[DROPPED.length];
    int others = 0;
    double dropPoints = 0;
    int c = space.numClasses();
    int[] droppedIndex = new int[DROPPED.length];
    for (int d = 0; d < DROPPED.length; d++) {
      droppedIndex[d] = space.table().byId(DROPPED[d]).trainId();
    }
    for (int p = 0; p < s.dropPairs(); p++) {
      List<Comparison.MetricComparison> m = pair(space, s, seeds.split(), s.dropShare());
      boolean all = true;
      for (int d = 0; d < DROPPED.length; d++) {
        Comparison.MetricComparison iou = m.get(PairedBootstrap.HEADLINE.size() + droppedIndex[d]);
        dropPoints += -100 * iou.delta() / (DROPPED.length * (double) s.dropPairs());
        if (iou.verdict() == Comparison.Verdict.REGRESSION) {
          byClass[d]++;
        } else {
          all = false;
        }
      }
      both += all ? 1 : 0;
      boolean otherFlag = false;
      for (int k = PairedBootstrap.HEADLINE.size(); k < m.size(); k++) {
        int cls = (k - PairedBootstrap.HEADLINE.size()) % c;
        boolean isDropped = cls == droppedIndex[0] || cls == droppedIndex[1];
        otherFlag |= !isDropped && flagged(m.get(k));
      }
      others += otherFlag ? 1 : 0;
    }
    return new Result(s, headlineAlarms, headlineImprovements, byMetric, classAlarms, both, byClass, others, dropPoints,
        (System.nanoTime() - t0) / 1e9);
  }

  private static boolean flagged(Comparison.MetricComparison m) {
    return m.verdict() == Comparison.Verdict.REGRESSION || m.verdict() == Comparison.Verdict.IMPROVEMENT;
  }

  /** One simulated pair compared with the default settings of {@code compare}. */
  static List<Comparison.MetricComparison> pair(ClassSpace space, Settings s, SplittableRandom rnd, double drop)
      throws InvalidPixelException {
    PixelScorer scorer = new PixelScorer(space);
    List<SegmentationStats> base = new ArrayList<>();
    List<SegmentationStats> cur = new ArrayList<>();
    SplittableRandom scenes = rnd.split();
    SplittableRandom a = rnd.split();
    SplittableRandom b = rnd.split();
    SplittableRandom degrade = rnd.split();
    for (int i = 0; i < s.images(); i++) {
      SyntheticDatasets.Scene scene = SyntheticDatasets.cityscapesScene(s.width(), s.height(), scenes.split());
      int[] pa = SyntheticDatasets.cityscapesPrediction(scene, a.split());
      int[] pb = SyntheticDatasets.cityscapesPrediction(scene, b.split());
      if (drop > 0) {
        degrade(pb, scene, drop, degrade.split());
      }
      base.add(scorer.score(scene.labels(), pa, scene.instances(), scene.width()));
      cur.add(scorer.score(scene.labels(), pb, scene.instances(), scene.width()));
    }
    PairedBootstrap bootstrap = new PairedBootstrap(space, AbsentClassPolicy.EXCLUDE, base, cur);
    double[][] point = bootstrap.metrics(bootstrap.identity());
    return Comparison.decide(bootstrap.metricNames(), PairedBootstrap.HEADLINE.size(), point[0], point[1],
        bootstrap.deltas(s.resamples(), rnd.nextLong()), new Comparison.Tolerances(Map.of(), 0.001), 0.05,
        s.correction());
  }

  /** Turns a share of the image rows of each dropped class's correct predictions into "unlabeled". */
  static void degrade(int[] prediction, SyntheticDatasets.Scene scene, double share, SplittableRandom rnd) {
    int w = scene.width();
    for (int y = 0; y < scene.height(); y++) {
      if (rnd.nextDouble() >= share) {
        continue;
      }
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        for (int id : DROPPED) {
          if (scene.labels()[i] == id && prediction[i] == id) {
            prediction[i] = UNLABELED;
          }
        }
      }
    }
  }

  /** The result as a Markdown section for benchmark-results/. */
  public static String markdown(Result r) {
    Settings s = r.settings();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "## compare calibration, %s%n%n", Instant.now()));
    b.append("Command: `").append(s.command()).append("`  \n");
    b.append(String.format(Locale.ROOT, "Machine: %s, %d cores, Java %s. %.0f s.%n%n", System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), r.seconds()));
    b.append(String.format(Locale.ROOT, "Synthetic Cityscapes scenes (%dx%d), %d images per pair, the project's "
        + "error model (boundary shift, wrong-class blobs, caravan confusions) with independent seeds per run; "
        + "%d resamples per comparison, alpha 0.05, tolerance 0.1 points, absent classes excluded, per-class "
        + "correction %s.%n%n", s.width(), s.height(), s.images(), s.resamples(), s.correction().cliName()));
    b.append("| simulation | pairs | rate | goal |\n|---|---:|---:|---|\n");
    b.append(String.format(Locale.ROOT, "| A/A: a headline regression reported | %d | %.1f %% | <= 7 %% |%n",
        s.pairs(), 100.0 * r.headlineFalseAlarms() / s.pairs()));
    for (int k = 0; k < r.headlineByMetric().length; k++) {
      b.append(String.format(Locale.ROOT, "| A/A: %s regressed | %d | %.1f %% | |%n", PairedBootstrap.HEADLINE.get(k),
          s.pairs(), 100.0 * r.headlineByMetric()[k] / s.pairs()));
    }
    b.append(String.format(Locale.ROOT, "| A/A: a headline improvement reported | %d | %.1f %% | |%n", s.pairs(),
        100.0 * r.headlineFalseImprovements() / s.pairs()));
    b.append(String.format(Locale.ROOT, "| A/A: any per-class flag (IoU or iIoU) | %d | %.1f %% | <= 7 %% |%n",
        s.pairs(), 100.0 * r.classFalseAlarms() / s.pairs()));
    b.append(String.format(Locale.ROOT, "| drop (car, building; %.1f IoU points on average): both flagged | %d | %.1f "
        + "%% | >= 90 %% |%n", r.meanDropPoints(), s.dropPairs(), 100.0 * r.dropBothFlagged() / s.dropPairs()));
    for (int d = 0; d < DROPPED.length; d++) {
      b.append(String.format(Locale.ROOT, "| drop: label %d flagged | %d | %.1f %% | |%n", DROPPED[d], s.dropPairs(),
          100.0 * r.dropFlaggedByClass()[d] / s.dropPairs()));
    }
    b.append(String.format(Locale.ROOT, "| drop: any other class flagged | %d | %.1f %% | <= 7 %% |%n", s.dropPairs(),
        100.0 * r.dropOtherFlags() / s.dropPairs()));
    return b.toString();
  }
}
