package dev.segeval.inference;

import dev.segeval.InvalidSettingException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;

/**
 * The PSPNet test protocol of hszhao/semseg {@code tool/test.py}: for each scale the image is resized so that its
 * longer side is round(scale x baseSize), padded (centred, with the mean) to at least the crop size, and covered by
 * crop-sized windows with stride ceil(crop x strideRate), the last one flush with the edge.
 *
 * @param scales     e.g. {1.0} or {0.5, 0.75, 1.0, 1.25, 1.5, 1.75}
 * @param flip       horizontal-flip augmentation
 * @param cropHeight window height; (H - 1) mod 8 = 0 for PSPNet (473, 713)
 * @param cropWidth  window width
 * @param baseSize   longer side at scale 1.0 (ADE20K, VOC: 512; Cityscapes: 2048)
 * @param strideRate window stride as a fraction of the crop (2/3 in the paper's code)
 * @param batchSize  windows per forward pass (flipped copies ride along in the same batch); {@value #AUTO_BATCH}:
 *                   chosen from the crop and the device ({@link #windowsPerPass})
 */
public record ProtocolSettings(double[] scales, FlipMode flip, int cropHeight, int cropWidth, int baseSize,
                               double strideRate, int batchSize) implements Serializable {

  public ProtocolSettings {
    if (scales == null || scales.length == 0) {
      throw new InvalidSettingException("Cannot use --scales: give at least one scale, e.g. 1.0");
    }
    for (double s : scales) {
      if (!(s > 0) || s > 8) {
        throw new InvalidSettingException("Cannot use scale " + s + ": scales must be in (0, 8]");
      }
    }
    if (cropHeight < 1 || cropWidth < 1 || cropHeight > 8192 || cropWidth > 8192) {
      throw new InvalidSettingException(String.format(Locale.ROOT,
          "Cannot use --crop-size %dx%d: each side must be 1..8192", cropHeight, cropWidth));
    }
    if (baseSize < 1 || baseSize > 16384) {
      throw new InvalidSettingException("Cannot use --base-size " + baseSize + ": must be 1..16384");
    }
    if (!(strideRate > 0) || strideRate > 1) {
      throw new InvalidSettingException("Cannot use --stride-rate " + strideRate + ": must be in (0, 1]");
    }
    if (batchSize < AUTO_BATCH || batchSize > 256) {
      throw new InvalidSettingException("Cannot use --batch-size " + batchSize + ": must be 1..256 (0: auto)");
    }
    scales = scales.clone();
  }

  /** The batch size that lets {@link #windowsPerPass} choose. */
  public static final int AUTO_BATCH = 0;
  /**
   * Input pixels per forward pass on a CPU under auto batching. Measured with the ResNet-50 PSPNet on 2 cores
   * (473 x 473 crops): 1.36-1.38 s per crop with one window and its flip per pass, 1.47-1.64 s with four crops
   * (benchmark-results/inference-threads.md): large crops do not fit the caches twice, so a CPU gets one window
   * of a large crop per pass and several of a small one (the demo's 257 x 513 windows: four).
   */
  static final long CPU_PIXELS_PER_PASS = 600_000;
  /** Windows per pass on a GPU under auto batching: more parallel work per kernel launch. */
  static final int GPU_WINDOWS_PER_PASS = 4;

  /** Windows per forward pass on this device: the batch size given, or the auto choice. */
  public int windowsPerPass(boolean gpu) {
    if (batchSize != AUTO_BATCH) {
      return batchSize;
    }
    if (gpu) {
      return GPU_WINDOWS_PER_PASS;
    }
    long perWindow = (long) cropHeight * cropWidth * (flip == FlipMode.NONE ? 1 : 2);
    return (int) Math.max(1, Math.min(GPU_WINDOWS_PER_PASS, CPU_PIXELS_PER_PASS / perWindow));
  }

  /** semseg's defaults for a dataset: ADE20K and VOC base 512, crop 473; Cityscapes base 2048, crop 713. */
  public static ProtocolSettings defaults(String dataset) {
    return switch (dataset.toLowerCase(Locale.ROOT)) {
      case "cityscapes" -> new ProtocolSettings(new double[] {1.0}, FlipMode.AVERAGE, 713, 713, 2048, 2.0 / 3, AUTO_BATCH);
      case "ade20k", "voc2012", "voc" -> new ProtocolSettings(new double[] {1.0}, FlipMode.AVERAGE, 473, 473, 512,
          2.0 / 3, AUTO_BATCH);
      default -> new ProtocolSettings(new double[] {1.0}, FlipMode.AVERAGE, 473, 473, 512, 2.0 / 3, AUTO_BATCH);
    };
  }

  /** A crop size given as "N" (square) or "HxW"; returns {height, width}. */
  public static int[] parseCrop(String text) {
    String[] parts = text.toLowerCase(Locale.ROOT).split("x");
    try {
      int h = Integer.parseInt(parts[0].strip());
      return new int[] {h, parts.length > 1 ? Integer.parseInt(parts[1].strip()) : h};
    } catch (NumberFormatException e) {
      throw new InvalidSettingException("Cannot use --crop-size '" + text + "': expected N or HxW, e.g. 473", e);
    }
  }

  /** The multi-scale list of the paper: 0.5, 0.75, 1.0, 1.25, 1.5, 1.75. */
  public static double[] paperScales() {
    return new double[] {0.5, 0.75, 1.0, 1.25, 1.5, 1.75};
  }

  /**
   * The resized {height, width} for one scale, as semseg computes it with Python's round (half to even).
   */
  public int[] scaledSize(int height, int width, double scale) {
    int longSize = (int) Math.rint(scale * baseSize);
    int newH = longSize;
    int newW = longSize;
    if (height > width) {
      newW = (int) Math.rint(longSize / (double) height * width);
    } else {
      newH = (int) Math.rint(longSize / (double) width * height);
    }
    return new int[] {Math.max(1, newH), Math.max(1, newW)};
  }

  public int strideHeight() {
    return (int) Math.ceil(cropHeight * strideRate);
  }

  public int strideWidth() {
    return (int) Math.ceil(cropWidth * strideRate);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProtocolSettings p && Arrays.equals(p.scales, scales) && p.flip == flip
        && p.cropHeight == cropHeight && p.cropWidth == cropWidth && p.baseSize == baseSize
        && p.strideRate == strideRate && p.batchSize == batchSize;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(scales) * 31 + cropHeight;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "scales %s, flip %s, crop %dx%d, base %d, stride rate %.4f, batch %s",
        Arrays.toString(scales), flip.cliName(), cropHeight, cropWidth, baseSize, strideRate,
        batchSize == AUTO_BATCH ? "auto" : String.valueOf(batchSize));
  }
}
