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
 * same TorchScript file and inputs, pixel for pixel, except near-ties: pixels whose top-two probabilities are
 * closer than 1e-4 in the reference may differ and are counted and reported.
 */
class ProtocolReferenceTest {
  static final double TIE = 1e-4;
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
      }
    }
    System.out.print(report);
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
