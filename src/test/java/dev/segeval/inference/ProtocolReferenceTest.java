package dev.segeval.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.imaging.ImageDecoders;
import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.imaging.RgbImage;
import dev.segeval.spark.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Java predictions equal the Python reference (notebooks/pspnet/protocol.py, the semseg test protocol) on the
 * same TorchScript file and inputs, pixel for pixel, except near-ties: a pixel may differ only where the top-two
 * probabilities are closer than {@link #TIE} in the reference and in Java alike, at most {@link #MAX_DIFFERING}
 * pixels per batch size may, and the fixture has at most {@link #MAX_NEAR_TIES} near-ties, so that the exemption
 * cannot widen unnoticed.
 */
class ProtocolReferenceTest {
  /**
   * Top-two probability gap below which a pixel is a near-tie. Java's and the reference's gaps differ by at most
   * 4.2e-6 on this fixture (measured; asserted below 1e-4), so only pixels with a reference gap of that order can
   * flip; 1e-4 leaves a wide margin and still covers only {@link #MAX_NEAR_TIES} pixels.
   */
  static final double TIE = 1e-4;
  /**
   * Near-ties in the whole fixture for one batch size (15 cases, 308,140 px), measured: exactly 2, reference gaps
   * 7.1e-5 (flipcaffe-96x160) and 1.9e-5 (multiscale-128x256); every other pixel's gap is at least 1.6e-4. Of
   * these 2, 0 differ in Java. Regenerated fixtures must be re-measured before this is raised.
   */
  static final int MAX_NEAR_TIES = 2;
  /**
   * Pixels per batch size that may differ from the reference (of 308,140): measured 0. One is allowed because the
   * 1.9e-5 near-tie is within 5x of the measured noise (4.2e-6) and could flip with another thread count; the
   * 7.1e-5 one is 17x away, so both flipping means the noise grew, which this then reports.
   */
  static final int MAX_DIFFERING = 1;
  static Path dir;
  static JsonNode manifest;
  static LoadedModel model;

  @BeforeAll
  static void load() throws Exception {
    dir = Fixtures.resource("/fixtures/inference");
    manifest = new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("manifest.json")));
    Path modelFile = Path.of(manifest.get("model").asText());
    model = ModelCache.get(modelFile.toUri().toString(), Device.cpu(), new Configuration(), 0);
  }

  static float[] readF32(Path p) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  @Test
  void logitsAgreeWithPython() throws Exception {
    JsonNode l = manifest.get("logits");
    float[] input = readF32(dir.resolve(l.get("input").asText()));
    float[] expected = readF32(dir.resolve(l.get("output").asText()));
    try (NDManager m = model.newRequestManager()) {
      float[] actual = model.forward(m.create(input, new Shape(1, 3, 65, 65))).toFloatArray();
      assertEquals(expected.length, actual.length);
      double maxDiff = 0;
      for (int i = 0; i < actual.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
      }
      assertTrue(maxDiff < l.get("tolerance").asDouble(), "max |logit difference| = " + maxDiff);
    }
  }

  @Test
  void windowPlanMatchesTheReference() {
    for (JsonNode c : manifest.get("cases")) {
      for (JsonNode s : c.get("per_scale")) {
        ProtocolSettings p = settings(c, 4);
        int[] size = p.scaledSize(c.get("height").asInt(), c.get("width").asInt(), s.get("scale").asDouble());
        assertArrayEquals(new int[] {s.get("scaled_h").asInt(), s.get("scaled_w").asInt()}, size, c.get("id").asText());
        int fullH = size[0] + s.get("pad_top").asInt() + s.get("pad_bottom").asInt();
        int fullW = size[1] + s.get("pad_left").asInt() + s.get("pad_right").asInt();
        assertEquals(Math.max(0, p.cropHeight() - size[0]) / 2, s.get("pad_top").asInt());
        int[] tops = SlidingWindowPredictor.windowStarts(fullH, p.cropHeight(), p.strideHeight());
        int[] lefts = SlidingWindowPredictor.windowStarts(fullW, p.cropWidth(), p.strideWidth());
        List<List<Integer>> windows = new ArrayList<>();
        for (int t : tops) {
          for (int left : lefts) {
            windows.add(List.of(t, left));
          }
        }
        List<List<Integer>> expected = new ArrayList<>();
        for (JsonNode w : s.get("windows_top_left")) {
          expected.add(List.of(w.get(0).asInt(), w.get(1).asInt()));
        }
        assertEquals(expected, windows, c.get("id").asText() + " scale " + s.get("scale"));
      }
    }
  }

  static ProtocolSettings settings(JsonNode c, int batch) {
    double[] scales = new double[c.get("scales").size()];
    for (int i = 0; i < scales.length; i++) {
      scales[i] = c.get("scales").get(i).asDouble();
    }
    FlipMode flip = switch (c.get("flip").asText()) {
      case "semseg" -> FlipMode.AVERAGE;
      case "caffe" -> FlipMode.CAFFE;
      default -> FlipMode.NONE;
    };
    return new ProtocolSettings(scales, flip, c.get("crop_h").asInt(), c.get("crop_w").asInt(),
        c.get("base_size").asInt(), 2.0 / 3, batch);
  }

  @Test
  void predictionsEqualThePythonReferenceExceptNearTies() throws Exception {
    StringBuilder report = new StringBuilder();
    java.util.Map<Integer, int[]> totals = new java.util.TreeMap<>(); // batch -> {pixels, near-ties, differ}
    for (JsonNode c : manifest.get("cases")) {
      RgbImage image = ImageDecoders.decodeRgb(Files.readAllBytes(dir.resolve(c.get("image").asText())), "image");
      IndexImage expected = PngDecoder.decodeIndex(Files.readAllBytes(dir.resolve(c.get("labels").asText())), "labels");
      float[] gap = readF32(dir.resolve(c.get("gap").asText()));
      int h = c.get("height").asInt();
      int w = c.get("width").asInt();
      for (int batch : new int[] {1, 4}) {
        SlidingWindowPredictor predictor = new SlidingWindowPredictor(settings(c, batch));
        int[] actual;
        float[] javaGap;
        try (NDManager m = model.newRequestManager()) {
          NDArray probs = predictor.probabilities(model, m, image, h, w);
          actual = SlidingWindowPredictor.argMaxChannels(probs);
          javaGap = topTwoGap(probs.toFloatArray(), (int) probs.getShape().get(0), h * w);
        }
        int nearTies = 0;
        int tieDifferences = 0;
        double maxGapDiff = 0;
        for (int i = 0; i < actual.length; i++) {
          maxGapDiff = Math.max(maxGapDiff, Math.abs(gap[i] - javaGap[i]));
          if (gap[i] < TIE) {
            nearTies++;
            if (actual[i] != expected.values()[i]) {
              // A genuine tie is one on both sides: Java must also see two classes within TIE of each other.
              assertTrue(javaGap[i] < TIE, String.format(Locale.ROOT, "%s batch %d: pixel (%d, %d) is %d, reference "
                  + "%d; a near-tie in the reference (gap %.3g) but not in Java (gap %.3g)", c.get("id").asText(),
                  batch, i % w, i / w, actual[i], expected.values()[i], gap[i], javaGap[i]));
              tieDifferences++;
            }
            continue;
          }
          if (actual[i] != expected.values()[i]) {
            throw new AssertionError(String.format(Locale.ROOT, "%s batch %d: pixel (%d, %d) is %d, reference %d "
                + "(reference gap %.3g)", c.get("id").asText(), batch, i % w, i / w, actual[i], expected.values()[i],
                gap[i]));
          }
        }
        assertTrue(maxGapDiff < 1e-4, c.get("id").asText() + ": top-two gaps differ by up to " + maxGapDiff);
        report.append(String.format(Locale.ROOT, "%s batch %d: %d px, %d near-ties (gap < 1e-4), %d differ; "
            + "max gap difference %.2e%n", c.get("id").asText(), batch, actual.length, nearTies, tieDifferences,
            maxGapDiff));
        int[] t = totals.computeIfAbsent(batch, b -> new int[3]);
        t[0] += actual.length;
        t[1] += nearTies;
        t[2] += tieDifferences;
      }
    }
    System.out.print(report);
    for (var e : totals.entrySet()) {
      int[] t = e.getValue();
      System.out.printf(Locale.ROOT, "batch %d: %d px, %d near-ties, %d differ%n", e.getKey(), t[0], t[1], t[2]);
      assertTrue(t[2] <= MAX_DIFFERING, "batch " + e.getKey() + ": " + t[2] + " near-tie pixels differ from the "
          + "reference, more than " + MAX_DIFFERING + " of " + t[0]);
      assertTrue(t[1] <= MAX_NEAR_TIES, "batch " + e.getKey() + ": " + t[1] + " near-ties (gap < " + TIE
          + ") in " + t[0] + " px, more than the " + MAX_NEAR_TIES + " measured: re-measure the fixture");
    }
  }

  static float[] topTwoGap(float[] chw, int channels, int pixels) {
    float[] gap = new float[pixels];
    for (int i = 0; i < pixels; i++) {
      float first = Float.NEGATIVE_INFINITY;
      float second = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < channels; c++) {
        float v = chw[c * pixels + i];
        if (v > first) {
          second = first;
          first = v;
        } else if (v > second) {
          second = v;
        }
      }
      gap[i] = first - second;
    }
    return gap;
  }
}
