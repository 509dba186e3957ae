package dev.segeval.report;

import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.ConfusionMatrix;
import dev.segeval.metrics.MetricReport;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Self-contained SVG charts written next to summary.json: per-class IoU (and iIoU) bars, and the row-normalised
 * confusion matrix. Plain SVG so that they open in any browser and render on GitHub, with no plotting library.
 */
public final class Charts {
  private Charts() {
  }

  /** Horizontal bars of per-class IoU in the class colour; a thin dark bar shows iIoU where defined. */
  public static byte[] classBars(ClassSpace space, MetricReport report, String title) {
    int rowH = 16;
    int labelW = 170;
    int barW = 420;
    int top = 46;
    int n = report.classes().size();
    int height = top + n * rowH + 40;
    int width = labelW + barW + 70;
    StringBuilder b = header(width, height);
    text(b, 10, 20, 14, "bold", title);
    text(b, 10, 36, 11, "normal", String.format(Locale.ROOT, "mIoU %s   pixel accuracy %s   iIoU %s",
        pct(report.meanIou()), pct(report.pixelAccuracy()), pct(report.meanInstanceIou())));
    for (int i = 0; i <= 10; i++) {
      int x = labelW + barW * i / 10;
      b.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#ddd'/>%n", x, top - 4, x,
          top + n * rowH));
      text(b, x - 6, top + n * rowH + 14, 9, "normal", String.valueOf(i * 10));
    }
    for (MetricReport.ClassMetrics c : report.classes()) {
      int y = top + c.index() * rowH;
      text(b, 10, y + 11, 11, "normal", c.name());
      int color = space.table().evaluatedClasses().get(c.index()).color();
      if (!Double.isNaN(c.iou())) {
        b.append(String.format(Locale.ROOT,
            "<rect x='%d' y='%d' width='%.1f' height='%d' fill='#%06x' stroke='#555' stroke-width='0.5'/>%n", labelW,
            y + 2, barW * c.iou(), rowH - 5, color));
      }
      if (!Double.isNaN(c.iiou())) {
        b.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%.1f' height='3' fill='#222'/>%n", labelW,
            y + rowH - 4, barW * c.iiou()));
      }
      text(b, labelW + barW + 6, y + 11, 10, "normal", pct(c.iou()));
    }
    text(b, 10, height - 8, 9, "normal", "bar: IoU (%); thin dark bar: iIoU; n/a: class absent from ground truth "
        + "and prediction");
    return footer(b);
  }

  /** Row-normalised confusion matrix over the evaluated classes, plus one column for non-evaluated predictions. */
  public static byte[] confusion(ClassSpace space, ConfusionMatrix m, String title) {
    int n = space.numClasses();
    int cell = n > 40 ? 5 : 18;
    int left = n > 40 ? 20 : 130;
    int top = n > 40 ? 60 : 150;
    int width = Math.max(left + (n + 1) * cell + 90, 430);
    int height = top + n * cell + 30;
    StringBuilder b = header(width, height);
    text(b, 10, 20, 14, "bold", title);
    text(b, 10, 34, 10, "normal", "rows: ground truth; columns: prediction; shade: share of the row;");
    text(b, 10, 46, 10, "normal", "last column: predictions of labels that are not evaluated");
    for (int r = 0; r < n; r++) {
      long row = m.rowSum(r);
      long other = row;
      for (int c = 0; c < n; c++) {
        other -= m.get(r, c);
      }
      for (int c = 0; c <= n; c++) {
        long v = c < n ? m.get(r, c) : other;
        double share = row == 0 ? 0 : (double) v / row;
        if (share > 0) {
          int shade = (int) Math.round(255 * (1 - Math.sqrt(share)));
          b.append(String.format(Locale.ROOT,
              "<rect x='%d' y='%d' width='%d' height='%d' fill='rgb(%d,%d,255)'><title>%s -> %s: %.2f%%</title></rect>%n",
              left + c * cell, top + r * cell, cell, cell, shade, shade, esc(space.className(r)),
              esc(c < n ? space.className(c) : "not evaluated"), 100 * share));
        }
      }
      if (cell >= 12) {
        text(b, 10, top + r * cell + cell - 5, 10, "normal", space.className(r));
      }
    }
    if (cell >= 12) {
      for (int c = 0; c <= n; c++) {
        int x = left + c * cell + cell - 5;
        b.append(String.format(Locale.ROOT,
            "<text x='%d' y='%d' font-size='10' font-family='sans-serif' transform='rotate(-60 %d %d)'>%s</text>%n",
            x, top - 4, x, top - 4, esc(c < n ? space.className(c) : "not evaluated")));
      }
    }
    b.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#888'/>%n",
        left, top, (n + 1) * cell, n * cell));
    return footer(b);
  }

  private static StringBuilder header(int width, int height) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
        + "viewBox='0 0 %d %d'>%n<rect width='100%%' height='100%%' fill='white'/>%n", width, height, width, height));
    return b;
  }

  private static byte[] footer(StringBuilder b) {
    b.append("</svg>\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void text(StringBuilder b, int x, int y, int size, String weight, String s) {
    b.append(String.format(Locale.ROOT,
        "<text x='%d' y='%d' font-size='%d' font-weight='%s' font-family='sans-serif'>%s</text>%n", x, y, size,
        weight, esc(s)));
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;");
  }

  private static String pct(double v) {
    return ConsoleTable.pct(v);
  }
}
