package dev.segeval.ml;

import dev.segeval.InvalidSettingException;
import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.MetricReport;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.ImageFailure;
import dev.segeval.scoring.RunAggregate;
import dev.segeval.scoring.SystematicErrors;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The metric names of the Spark ML evaluator and the SQL functions, and the checks every result passes. */
public final class Metrics {
  /** Every name {@link #value} takes, as the evaluator's {@code metricName} spells them. */
  public static final List<String> NAMES = List.of("mIoU", "pixelAccuracy", "meanAccuracy", "fwIoU", "iIoU",
      "categoryIoU", "categoryIIoU");

  private Metrics() {
  }

  /** The canonical spelling of a metric name (case and '_' ignored), or an error naming the choices. */
  public static String canonical(String name) {
    String key = name == null ? "" : name.replace("_", "").toLowerCase(Locale.ROOT);
    for (String n : NAMES) {
      if (n.toLowerCase(Locale.ROOT).equals(key)) {
        return n;
      }
    }
    throw new InvalidSettingException("Cannot use metricName '" + name + "': expected one of "
        + String.join(", ", NAMES));
  }

  /** One headline metric of a report, NaN where it is undefined (e.g. iIoU without instances). */
  public static double value(MetricReport report, String name) {
    return switch (canonical(name)) {
      case "mIoU" -> report.meanIou();
      case "pixelAccuracy" -> report.pixelAccuracy();
      case "meanAccuracy" -> report.meanAccuracy();
      case "fwIoU" -> report.frequencyWeightedIou();
      case "iIoU" -> report.meanInstanceIou();
      case "categoryIoU" -> report.categoryMeanIou();
      case "categoryIIoU" -> report.categoryMeanInstanceIou();
      default -> throw new IllegalStateException("unhandled metric " + name);
    };
  }

  /**
   * The report of merged rows, after the checks {@code evaluate} makes: a row whose masks cannot be scored (corrupt,
   * missing, of another size, values the labels table does not hold) fails the evaluation with its message rather
   * than silently changing the metric, and so does a systematic mistake such as train ids scored as label ids.
   */
  public static MetricReport report(ClassSpace space, RunAggregate aggregate, AbsentClassPolicy policy) {
    long rows = aggregate.okImages() + aggregate.failedImages();
    if (rows == 0) {
      throw new EvaluationException("Cannot evaluate: no rows (the DataFrame or group is empty)");
    }
    Optional<String> systematic = SystematicErrors.explain(space, aggregate, rows, true);
    if (systematic.isPresent()) {
      throw new EvaluationException(systematic.get());
    }
    if (aggregate.failedImages() > 0) {
      StringBuilder why = new StringBuilder(String.format(Locale.ROOT,
          "Cannot evaluate: %d of %d rows could not be scored", aggregate.failedImages(), rows));
      for (Map.Entry<ImageFailure.Kind, Long> e : aggregate.failuresByKind().entrySet()) {
        why.append(String.format(Locale.ROOT, "; %d %s, e.g. %s", e.getValue(), e.getKey().label(),
            aggregate.exampleByKind().get(e.getKey())));
      }
      throw new EvaluationException(why.toString());
    }
    return MetricReport.compute(space, aggregate.stats(), policy);
  }
}
