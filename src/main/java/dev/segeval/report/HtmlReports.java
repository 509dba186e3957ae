package dev.segeval.report;

import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.ConfusionMatrix;
import dev.segeval.metrics.MetricReport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Self-contained HTML pages people look at, next to the Parquet output: no network, no library, inline SVG and CSS.
 * Every number is also in a {@code data-value} attribute at full precision, next to the rounded text, so that a
 * browser test can read the page back and compare it with summary.json / compare.json.
 */
public final class HtmlReports {
  private HtmlReports() {
  }

  /** An image of the run with its per-image scores, for the "worst images" table. */
  public record ImageScore(String id, double miou, double pixelAccuracy, String labelPath, String predictionPath)
      implements java.io.Serializable {
  }

  /** One metric of a comparison, as the page shows it. */
  public record Change(String name, boolean headline, double baseline, double current, double delta, double low,
                       double high, String verdict) {
  }

  /** One night of one entry, for the nightly trend. */
  public record Night(String date, String entry, String runId, double miou, double pixelAccuracy, double iiou,
                      String verdict) {
  }

  private static final String STYLE = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}"
      + "h1{font-size:20px}h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}"
      + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}"
      + "td.l,th.l{text-align:left}.regression{color:#b00020;font-weight:bold}.improvement{color:#0a7d20;"
      + "font-weight:bold}.muted{color:#777}code{font-size:12px}";

  private static StringBuilder open(String title) {
    StringBuilder b = new StringBuilder("<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>");
    b.append("<meta name='viewport' content='width=device-width'><title>").append(esc(title)).append("</title>");
    b.append("<style>").append(STYLE).append("</style></head>\n<body>\n<h1>").append(esc(title)).append("</h1>\n");
    return b;
  }

  private static byte[] close(StringBuilder b) {
    // Proof for the browser test that the page ran to its end without a script error.
    b.append("<script>document.body.setAttribute('data-ready','1')</script>\n</body></html>\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The page of one run: headline metrics, per-class bars, top confusions and the worst images. */
  public static byte[] run(RunInfo run, MetricReport report, ClassSpace space, ConfusionMatrix confusion,
                           List<ImageScore> worst) {
    StringBuilder b = open("segeval: " + run.dataset() + " " + run.split() + ", run " + run.runId());
    b.append(String.format(Locale.ROOT, "<p>%d images: %d scored, %d failed. Predictions: <code>%s</code> (%s). "
            + "Absent classes: %s. Tool %s, %s.</p>%n", run.imageCount(), run.okCount(), run.failedCount(),
        esc(run.predictions()), esc(run.predictionEncoding()), esc(run.absentClassPolicy()), esc(run.toolVersion()),
        esc(run.startedAt())));
    b.append("<h2>Metrics</h2>\n<table id='headline'><tr><th class='l'>metric</th><th>%</th></tr>\n");
    String[] names = {"mIoU", "pixelAccuracy", "meanAccuracy", "fwIoU", "iIoU", "categoryIoU", "categoryIIoU"};
    double[] values = {report.meanIou(), report.pixelAccuracy(), report.meanAccuracy(), report.frequencyWeightedIou(),
        report.meanInstanceIou(), report.categoryMeanIou(), report.categoryMeanInstanceIou()};
    for (int k = 0; k < names.length; k++) {
      b.append("<tr><td class='l'>").append(names[k]).append("</td>").append(cell(names[k], values[k]))
          .append("</tr>\n");
    }
    b.append("</table>\n<h2>Per class</h2>\n<table id='classes'><tr><th class='l'>class</th><th>IoU %</th>"
        + "<th>accuracy %</th><th>iIoU %</th></tr>\n");
    for (MetricReport.ClassMetrics c : report.classes()) {
      b.append("<tr><td class='l'>").append(esc(c.name())).append("</td>").append(cell("IoU " + c.name(), c.iou()))
          .append(cell("accuracy " + c.name(), c.accuracy())).append(cell("iIoU " + c.name(), c.iiou()))
          .append("</tr>\n");
    }
    b.append("</table>\n");
    b.append(svgBody(Charts.classBars(space, report, "per-class IoU")));
    b.append("<h2>Top confusions</h2>\n<p class='muted'>Ground-truth pixels of a class predicted as another value, "
        + "largest first, with their share of the class's pixels (readable for any number of classes).</p>\n");
    b.append("<table id='confusions'><tr><th class='l'>ground truth</th><th class='l'>predicted as</th>"
        + "<th>pixels</th><th>% of the class</th></tr>\n");
    List<long[]> cells = new ArrayList<>();
    for (long[] c : confusion.nonZeroCells()) {
      if (c[0] != c[1]) {
        cells.add(c);
      }
    }
    cells.sort(Comparator.comparingLong((long[] c) -> -c[2]));
    for (long[] c : cells.subList(0, Math.min(20, cells.size()))) {
      int gt = (int) c[0];
      int col = (int) c[1];
      long row = confusion.rowSum(gt);
      b.append(String.format(Locale.ROOT, "<tr><td class='l'>%s</td><td class='l'>%s</td><td>%d</td>%s</tr>%n",
          esc(space.className(gt)), esc(space.columnName(col)), c[2],
          cell("confusion " + space.className(gt) + " -> " + space.columnName(col), (double) c[2] / row)));
    }
    b.append("</table>\n");
    if (space.numClasses() <= 40) {
      b.append(svgBody(Charts.confusion(space, confusion, "row-normalised confusion matrix")));
    }
    b.append("<h2>Worst images</h2>\n<table id='worst'><tr><th class='l'>image</th><th>mIoU %</th>"
        + "<th>pixel accuracy %</th><th class='l'>labels</th><th class='l'>prediction</th></tr>\n");
    for (ImageScore s : worst) {
      b.append("<tr><td class='l'>").append(esc(s.id())).append("</td>").append(cell("image " + s.id(), s.miou()))
          .append(cell("image accuracy " + s.id(), s.pixelAccuracy())).append("<td class='l'><code>")
          .append(esc(s.labelPath())).append("</code></td><td class='l'><code>")
          .append(esc(s.predictionPath() == null ? "(model)" : s.predictionPath())).append("</code></td></tr>\n");
    }
    b.append("</table>\n");
    return close(b);
  }

  /** The page of a comparison: headline changes with intervals and a forest plot of the per-class changes. */
  public static byte[] comparison(String run, String baseline, int images, int resamples, List<Change> changes,
                                  List<String> notes) {
    StringBuilder b = open("segeval compare: " + run + " against " + baseline);
    b.append(String.format(Locale.ROOT, "<p>%d images, paired bootstrap of %d resamples; 95 %% intervals of the "
        + "change, in points.</p>%n", images, resamples));
    for (String n : notes) {
      b.append("<p class='muted'>").append(esc(n)).append("</p>\n");
    }
    b.append("<h2>Headline metrics</h2>\n<table id='headline'><tr><th class='l'>metric</th><th>baseline %</th>"
        + "<th>current %</th><th>change</th><th>interval</th><th class='l'>verdict</th></tr>\n");
    List<Change> classes = new ArrayList<>();
    for (Change c : changes) {
      if (!c.headline()) {
        classes.add(c);
        continue;
      }
      b.append(changeRow(c));
    }
    b.append("</table>\n<h2>Per class</h2>\n");
    b.append(forest(classes.stream().filter(c -> c.name().startsWith("IoU ")).toList()));
    b.append("<table id='classes'><tr><th class='l'>metric</th><th>baseline %</th><th>current %</th><th>change</th>"
        + "<th>interval</th><th class='l'>verdict</th></tr>\n");
    for (Change c : classes) {
      if (!(Double.isNaN(c.baseline()) && Double.isNaN(c.current()))) { // e.g. iIoU of classes without instances
        b.append(changeRow(c));
      }
    }
    b.append("</table>\n");
    return close(b);
  }

  private static String changeRow(Change c) {
    return "<tr><td class='l'>" + esc(c.name()) + "</td>" + cell("baseline " + c.name(), c.baseline())
        + cell("current " + c.name(), c.current()) + signedCell("delta " + c.name(), c.delta())
        + "<td>[" + signed(c.low()) + ", " + signed(c.high()) + "]</td><td class='l " + c.verdict() + "'>"
        + c.verdict() + "</td></tr>\n";
  }

  /** Per-class changes as points with their intervals around a zero line. */
  private static String forest(List<Change> rows) {
    int rowH = 14;
    int labelW = 170;
    int plotW = 460;
    double extent = 0.01;
    for (Change c : rows) {
      for (double v : new double[] {c.low(), c.high(), c.delta()}) {
        if (!Double.isNaN(v)) {
          extent = Math.max(extent, Math.abs(v));
        }
      }
    }
    int height = 30 + rows.size() * rowH + 24;
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "<svg id='forest' xmlns='http://www.w3.org/2000/"
        + "svg' width='%d' height='%d' font-family='sans-serif' font-size='11'>%n", labelW + plotW + 20, height));
    int zero = labelW + plotW / 2;
    b.append(String.format(Locale.ROOT, "<line x1='%d' y1='20' x2='%d' y2='%d' stroke='#888'/>%n", zero, zero,
        20 + rows.size() * rowH));
    b.append(String.format(Locale.ROOT, "<text x='%d' y='14' text-anchor='middle'>0</text><text x='%d' y='14' "
        + "text-anchor='middle'>%+.1f</text><text x='%d' y='14' text-anchor='middle'>%+.1f</text>%n", zero, labelW,
        -100 * extent, labelW + plotW, 100 * extent));
    for (int i = 0; i < rows.size(); i++) {
      Change c = rows.get(i);
      int y = 20 + i * rowH + rowH / 2;
      b.append(String.format(Locale.ROOT, "<text x='4' y='%d'>%s</text>%n", y + 4, esc(c.name().substring(4))));
      if (Double.isNaN(c.delta())) {
        continue;
      }
      String colour = c.verdict().equals("regression") ? "#b00020" : c.verdict().equals("improvement") ? "#0a7d20"
          : "#333";
      double x0 = zero + plotW / 2.0 * c.low() / extent;
      double x1 = zero + plotW / 2.0 * c.high() / extent;
      double xd = zero + plotW / 2.0 * c.delta() / extent;
      b.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' stroke-width='2'/>"
          + "<circle cx='%.1f' cy='%d' r='3' fill='%s'/>%n", x0, y, x1, y, colour, xd, y, colour));
    }
    b.append(String.format(Locale.ROOT, "<text x='4' y='%d' fill='#777'>change of IoU (points) with its interval; "
        + "red: regression, green: improvement (family-wise adjusted)</text>%n", height - 6));
    return b.append("</svg>\n").toString();
  }

  /** The trend of a nightly suite: per entry, mIoU over the nights, with the baseline nights marked. */
  public static byte[] nightly(String suite, List<Night> nights, Map<String, String> baselineRunIds) {
    StringBuilder b = open("segeval nightly: " + suite);
    Map<String, List<Night>> byEntry = new TreeMap<>();
    for (Night n : nights) {
      byEntry.computeIfAbsent(n.entry(), k -> new ArrayList<>()).add(n);
    }
    for (Map.Entry<String, List<Night>> e : byEntry.entrySet()) {
      List<Night> list = new ArrayList<>(e.getValue());
      list.sort(Comparator.comparing(Night::date));
      String baseline = baselineRunIds.get(e.getKey());
      b.append("<h2>").append(esc(e.getKey())).append("</h2>\n");
      b.append(trend(list, baseline));
      b.append("<table class='entry' data-entry='").append(esc(e.getKey())).append("'><tr><th class='l'>date</th>"
          + "<th class='l'>run</th><th>mIoU %</th><th>pixel accuracy %</th><th>iIoU %</th><th class='l'>verdict</th>"
          + "</tr>\n");
      for (Night n : list) {
        String mark = n.runId().equals(baseline) ? " (baseline)" : "";
        b.append("<tr><td class='l'>").append(esc(n.date())).append("</td><td class='l'>").append(esc(n.runId()))
            .append(mark).append("</td>").append(cell("mIoU " + e.getKey() + " " + n.date(), n.miou()))
            .append(cell("pixelAccuracy " + e.getKey() + " " + n.date(), n.pixelAccuracy()))
            .append(cell("iIoU " + e.getKey() + " " + n.date(), n.iiou())).append("<td class='l ")
            .append(esc(n.verdict())).append("'>").append(esc(n.verdict())).append("</td></tr>\n");
      }
      b.append("</table>\n");
    }
    return close(b);
  }

  private static String trend(List<Night> list, String baseline) {
    int w = 600;
    int h = 190;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Night n : list) {
      if (!Double.isNaN(n.miou())) {
        lo = Math.min(lo, n.miou());
        hi = Math.max(hi, n.miou());
      }
    }
    if (lo > hi) {
      return "";
    }
    double pad = Math.max(0.005, (hi - lo) * 0.15);
    lo -= pad;
    hi += pad;
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' "
        + "width='%d' height='%d' font-family='sans-serif' font-size='10'>%n", w, h));
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < list.size(); i++) {
      Night n = list.get(i);
      if (Double.isNaN(n.miou())) {
        continue;
      }
      double x = 60 + (list.size() == 1 ? 0 : (w - 130) * i / (double) (list.size() - 1));
      double y = 12 + (h - 60) * (hi - n.miou()) / (hi - lo);
      path.append(path.length() == 0 ? "M" : "L").append(String.format(Locale.ROOT, "%.1f %.1f ", x, y));
      boolean isBaseline = n.runId().equals(baseline);
      String colour = n.verdict().equals("regression") ? "#b00020" : "#1f5fa8";
      // Every night gets its dot (red when it regressed); the baseline night a ring around it as well.
      b.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>%n", x, y, colour));
      if (isBaseline) {
        b.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='6' fill='none' stroke='#222' "
            + "stroke-width='2'/>%n", x, y));
      }
      b.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>%n", x, h - 26,
          esc(n.date())));
    }
    b.append("<path d='").append(path).append("' fill='none' stroke='#1f5fa8'/>\n");
    b.append(String.format(Locale.ROOT, "<text x='4' y='%d'>%.1f</text><text x='4' y='%d'>%.1f</text>%n", 16,
        100 * hi, h - 48, 100 * lo));
    b.append(String.format(Locale.ROOT, "<text x='4' y='%d' fill='#777'>mIoU (%%) per night; ringed: the baseline; "
        + "red: a regression</text>%n", h - 6));
    return b.append("</svg>\n").toString();
  }

  /** A plain table page (published tables with reported and measured numbers): text cells, escaped. */
  public static byte[] table(String title, List<String> notes, List<String> header, List<List<String>> rows) {
    StringBuilder b = open(title);
    for (String n : notes) {
      b.append("<p class='muted'>").append(esc(n)).append("</p>\n");
    }
    b.append("<table><tr>");
    for (String h : header) {
      b.append("<th class='l'>").append(esc(h)).append("</th>");
    }
    b.append("</tr>\n");
    for (List<String> r : rows) {
      b.append("<tr>");
      for (String c : r) {
        b.append("<td class='l'>").append(esc(c)).append("</td>");
      }
      b.append("</tr>\n");
    }
    b.append("</table>\n");
    return close(b);
  }

  private static String cell(String name, double v) {
    return "<td data-metric='" + esc(name) + "' data-value='" + (Double.isNaN(v) ? "null" : Double.toString(v))
        + "'>" + (Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", 100 * v)) + "</td>";
  }

  private static String signedCell(String name, double v) {
    return "<td data-metric='" + esc(name) + "' data-value='" + (Double.isNaN(v) ? "null" : Double.toString(v))
        + "'>" + signed(v) + "</td>";
  }

  private static String signed(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.2f", 100 * v);
  }

  private static String svgBody(byte[] svg) {
    String s = new String(svg, StandardCharsets.UTF_8);
    int start = s.indexOf("<svg");
    return (start < 0 ? s : s.substring(start)) + "\n";
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
        .replace("\"", "&quot;");
  }
}
