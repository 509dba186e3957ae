package dev.segeval.synth;

/** A label canvas with the few drawing operations the synthetic scenes need. */
final class Canvas {
  final int width;
  final int height;
  final int[] labels;
  final int[] instances;

  Canvas(int width, int height, int fill) {
    this.width = width;
    this.height = height;
    this.labels = new int[width * height];
    this.instances = new int[width * height];
    java.util.Arrays.fill(labels, fill);
    java.util.Arrays.fill(instances, fill);
  }

  void set(int x, int y, int label, int instance) {
    if (x >= 0 && y >= 0 && x < width && y < height) {
      labels[y * width + x] = label;
      instances[y * width + x] = instance;
    }
  }

  void rect(int x0, int y0, int x1, int y1, int label, int instance) {
    for (int y = Math.max(0, y0); y < Math.min(height, y1); y++) {
      for (int x = Math.max(0, x0); x < Math.min(width, x1); x++) {
        labels[y * width + x] = label;
        instances[y * width + x] = instance;
      }
    }
  }

  void ellipse(double cx, double cy, double rx, double ry, int label, int instance) {
    for (int y = (int) Math.max(0, cy - ry); y <= Math.min(height - 1, cy + ry); y++) {
      for (int x = (int) Math.max(0, cx - rx); x <= Math.min(width - 1, cx + rx); x++) {
        double dx = (x - cx) / rx;
        double dy = (y - cy) / ry;
        if (dx * dx + dy * dy <= 1) {
          labels[y * width + x] = label;
          instances[y * width + x] = instance;
        }
      }
    }
  }

  /** Fills every column from the top down to heights[x] (exclusive). */
  void topBand(int[] heights, int label) {
    for (int x = 0; x < width; x++) {
      for (int y = 0; y < Math.min(height, heights[x]); y++) {
        labels[y * width + x] = label;
        instances[y * width + x] = label;
      }
    }
  }
}
