package dev.segeval.report;

import dev.segeval.metrics.MetricReport;
import java.util.Locale;

/** The headline table printed at the end of a run: per-class scores and the means, in percent. */
public final class ConsoleTable {
  private ConsoleTable() {
  }

  public static String render(RunInfo run, MetricReport report) {
    StringBuilder b = new StringBuilder();
    boolean inst = !Double.isNaN(report.meanInstanceIou());
    b.append(String.format(Locale.ROOT, "%n%s %s: %d images (%d ok, %d failed), run %s%n", run.dataset(),
        run.split(), run.imageCount(), run.okCount(), run.failedCount(), run.runId()));
    String header = inst ? String.format(Locale.ROOT, "%-22s %8s %8s %8s%n", "class", "IoU", "Acc", "iIoU")
        : String.format(Locale.ROOT, "%-22s %8s %8s%n", "class", "IoU", "Acc");
    b.append(header);
    b.append("-".repeat(header.length() - 1)).append('\n');
    for (MetricReport.ClassMetrics c : report.classes()) {
      b.append(String.format(Locale.ROOT, "%-22s %8s %8s", truncate(c.name()), pct(c.iou()), pct(c.accuracy())));
      if (inst) {
        b.append(String.format(Locale.ROOT, " %8s", pct(c.iiou())));
      }
      b.append('\n');
    }
    b.append("-".repeat(header.length() - 1)).append('\n');
    b.append(String.format(Locale.ROOT, "%-22s %8s%n", "mIoU", pct(report.meanIou())));
    b.append(String.format(Locale.ROOT, "%-22s %8s%n", "pixel accuracy", pct(report.pixelAccuracy())));
    b.append(String.format(Locale.ROOT, "%-22s %8s%n", "mean accuracy", pct(report.meanAccuracy())));
    b.append(String.format(Locale.ROOT, "%-22s %8s%n", "fwIoU", pct(report.frequencyWeightedIou())));
    if (inst) {
      b.append(String.format(Locale.ROOT, "%-22s %8s%n", "iIoU", pct(report.meanInstanceIou())));
    }
    if (!report.categories().isEmpty()) {
      b.append(String.format(Locale.ROOT, "%-22s %8s%n", "category IoU", pct(report.categoryMeanIou())));
      if (inst) {
        b.append(String.format(Locale.ROOT, "%-22s %8s%n", "category iIoU", pct(report.categoryMeanInstanceIou())));
      }
    }
    if (!run.failures().isEmpty()) {
      b.append(String.format(Locale.ROOT, "%nFailed images (%d; first ones):%n", run.failedCount()));
      for (int i = 0; i < Math.min(10, run.failures().size()); i++) {
        RunInfo.Failure f = run.failures().get(i);
        b.append("  ").append(f.id()).append(": ").append(f.error()).append('\n');
      }
    }
    return b.toString();
  }

  private static String truncate(String s) {
    return s.length() <= 22 ? s : s.substring(0, 21) + "~";
  }

  static String pct(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", 100 * v);
  }
}
