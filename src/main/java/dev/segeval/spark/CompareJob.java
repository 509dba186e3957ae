package dev.segeval.spark;

import dev.segeval.compare.Comparison;
import dev.segeval.compare.ComparisonReport;
import dev.segeval.compare.PairedBootstrap;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.scoring.EvaluationException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code compare} command: reads two finished runs back (summaries and per-image statistics, never pixels),
 * refuses pairs that cannot be compared, and runs the paired bootstrap ({@link PairedBootstrap},
 * {@link Comparison}).
 */
public final class CompareJob {
  private CompareJob() {
  }

  /**
   * What to compare and how.
   *
   * @param run           {@code <output>[#<run id>]} of the current run
   * @param baseline      the same for the baseline
   * @param labelsFile    labels table CSV for {@code folder} datasets, else null
   * @param commonImages  compare on the images both runs hold instead of refusing different image sets
   * @param tolerances    fractions; see {@link Comparison.Tolerances}
   * @param json          where to write compare.json; null for {@code <run output>/runs/<run id>/compare-<baseline
   *                      run id>.json}
   */
  public record CompareSpec(String run, String baseline, String labelsFile, boolean commonImages, int resamples,
                            long seed, double alpha, Comparison.Tolerances tolerances,
                            Comparison.ClassCorrection correction, String json) {
  }

  /** The comparison and where its JSON was written. */
  public record Outcome(ComparisonReport report, String json) {
  }

  public static Outcome run(SparkSession spark, CompareSpec spec, PrintStream log) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    StoredRuns.StoredRun current = readNamingBoth(spec.run(), spec, conf);
    StoredRuns.StoredRun base = readNamingBoth(spec.baseline(), spec, conf);
    for (String field : List.of("dataset", "split", "predictionEncoding", "absentClassPolicy")) {
      String a = current.field(field);
      String b = base.field(field);
      if (a == null ? b != null : !a.equals(b)) {
        throw new EvaluationException(String.format(Locale.ROOT, "Cannot compare %s with %s: %s differs (%s against "
            + "%s); compare runs of the same dataset, split, prediction encoding and absent-class policy",
            current.label(), base.label(), field, a, b));
      }
    }
    if (current.labelsTable() != null && base.labelsTable() != null
        && !current.labelsTable().equals(base.labelsTable())) {
      throw new EvaluationException(String.format(Locale.ROOT, "Cannot compare %s with %s: their labels tables "
          + "differ (%s against %s); both runs must score the same classes", current.label(), base.label(),
          current.labelsTable(), base.labelsTable()));
    }
    String dataset = current.field("dataset");
    LabelTable table;
    if (spec.labelsFile() != null) {
      table = LabelTable.parse(HadoopPaths.fileName(spec.labelsFile()), spec.labelsFile(),
          HadoopPaths.readLines(spec.labelsFile(), conf), Map.of());
    } else if (LabelTable.BUILT_IN.contains(dataset)) {
      table = LabelTable.builtIn(dataset);
    } else {
      throw new EvaluationException("Cannot compare runs of dataset '" + dataset + "': give its labels table with "
          + "--labels <csv>");
    }
    if (current.labelsTable() != null && !current.labelsTable().endsWith(" " + table.digest())) {
      throw new EvaluationException(String.format(Locale.ROOT, "Cannot compare %s: it was scored with labels table "
          + "%s, not %s (%s); give the table it was scored with", current.label(), current.labelsTable(),
          table.name(), table.digest()));
    }
    ClassSpace space = new ClassSpace(table, PredictionEncoding.parse(current.field("predictionEncoding")));
    AbsentClassPolicy policy = AbsentClassPolicy.parse(current.field("absentClassPolicy"));

    StoredRuns.ImageSet cur = StoredRuns.images(spark, current, space);
    StoredRuns.ImageSet bas = StoredRuns.images(spark, base, space);
    Set<String> curIds = ids(cur);
    Set<String> basIds = ids(bas);
    List<String> excluded = new ArrayList<>();
    if (!curIds.equals(basIds)) {
      Set<String> onlyCurrent = minus(curIds, basIds);
      Set<String> onlyBaseline = minus(basIds, curIds);
      String counts = String.format(Locale.ROOT, "%s has %d images, %s has %d; %d only in the first (e.g. %s), %d "
          + "only in the second (e.g. %s)", current.label(), curIds.size(), base.label(), basIds.size(),
          onlyCurrent.size(), first(onlyCurrent), onlyBaseline.size(), first(onlyBaseline));
      if (!spec.commonImages()) {
        throw new EvaluationException("Cannot compare runs over different image sets: " + counts + ". Compare runs "
            + "of the same image set, or pass --common-images to compare on the images both hold");
      }
      excluded.add("--common-images: " + counts + "; compared on the " + minus(curIds, onlyCurrent).size()
          + " common images.");
      log.println("[segeval] " + excluded.get(0));
    }
    List<String> paired = new ArrayList<>();
    List<SegmentationStats> b = new ArrayList<>();
    List<SegmentationStats> c = new ArrayList<>();
    Set<String> failedEither = new TreeSet<>();
    for (String id : new TreeSet<>(curIds)) {
      if (!basIds.contains(id)) {
        continue;
      }
      if (cur.scored().containsKey(id) && bas.scored().containsKey(id)) {
        paired.add(id);
        c.add(cur.scored().get(id));
        b.add(bas.scored().get(id));
      } else {
        failedEither.add(id);
      }
    }
    if (!failedEither.isEmpty()) {
      String line = String.format(Locale.ROOT, "Left out: %d images that failed in either run (current: %s; "
          + "baseline: %s); the other %d are compared.", failedEither.size(), failures(cur, failedEither),
          failures(bas, failedEither), paired.size());
      excluded.add(line);
      log.println("[segeval] " + line);
    }
    if (paired.isEmpty()) {
      throw new EvaluationException("Cannot compare " + current.label() + " with " + base.label() + ": no image was "
          + "scored in both runs");
    }
    long t0 = System.nanoTime();
    PairedBootstrap bootstrap = new PairedBootstrap(space, policy, b, c);
    double[][] point = bootstrap.metrics(bootstrap.identity());
    double[][] deltas = bootstrap.deltas(spec.resamples(), spec.seed());
    List<Comparison.MetricComparison> metrics = Comparison.decide(bootstrap.metricNames(),
        PairedBootstrap.HEADLINE.size(), point[0], point[1], deltas, spec.tolerances(), spec.alpha(), spec.correction());
    log.printf(Locale.ROOT, "[segeval] %d resamples of %d paired images in %.2f s%n", spec.resamples(),
        paired.size(), (System.nanoTime() - t0) / 1e9);
    ComparisonReport report = new ComparisonReport(current.label(), base.label(), paired.size(), excluded,
        spec.resamples(), spec.seed(), spec.alpha(), spec.correction(), metrics);
    String json = spec.json() != null ? HadoopPaths.qualify(spec.json())
        : HadoopPaths.join(current.output(), "runs", current.runId(), "compare-" + base.runId() + ".json");
    Map<String, Double> tolerances = new java.util.TreeMap<>(spec.tolerances().byMetric());
    tolerances.put("default", spec.tolerances().fallback());
    HadoopPaths.writeAtomically(json, report.json(tolerances), conf);
    List<dev.segeval.report.HtmlReports.Change> changes = new ArrayList<>();
    for (Comparison.MetricComparison m : metrics) {
      changes.add(new dev.segeval.report.HtmlReports.Change(m.name(), m.headline(), m.baseline(), m.current(),
          m.delta(), m.low(), m.high(), m.verdict().label()));
    }
    HadoopPaths.writeAtomically(htmlPath(json), dev.segeval.report.HtmlReports.comparison(current.label(),
        base.label(), paired.size(), spec.resamples(), changes, excluded), conf);
    return new Outcome(report, json);
  }

  /** Reads one of the two runs; a missing run is reported with both runs named. */
  private static StoredRuns.StoredRun readNamingBoth(String which, CompareSpec spec, Configuration conf)
      throws IOException {
    try {
      return StoredRuns.read(which, conf);
    } catch (EvaluationException e) {
      throw new EvaluationException("Cannot compare " + HadoopPaths.redact(spec.run()) + " with "
          + HadoopPaths.redact(spec.baseline()) + ": " + e.getMessage().substring(e.getMessage().indexOf(": ") + 2),
          e);
    }
  }

  /** The HTML page next to a comparison's JSON. */
  public static String htmlPath(String json) {
    return (json.endsWith(".json") ? json.substring(0, json.length() - 5) : json) + ".html";
  }

  private static Set<String> ids(StoredRuns.ImageSet s) {
    Set<String> ids = new TreeSet<>(s.scored().keySet());
    ids.addAll(s.failed().keySet());
    return ids;
  }

  private static Set<String> minus(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.removeAll(b);
    return out;
  }

  private static String first(Set<String> s) {
    return s.isEmpty() ? "none" : s.iterator().next();
  }

  private static String failures(StoredRuns.ImageSet s, Set<String> ids) {
    List<String> out = new ArrayList<>();
    for (String id : ids) {
      if (s.failed().containsKey(id)) {
        out.add(id);
      }
    }
    return out.isEmpty() ? "none" : String.join(", ", out.subList(0, Math.min(10, out.size())))
        + (out.size() > 10 ? ", ..." : "");
  }
}
