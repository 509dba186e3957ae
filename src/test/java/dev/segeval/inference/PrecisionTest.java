package dev.segeval.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.InvalidSettingException;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.runs.FingerprintMismatchException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.spark.RunOptions;
import dev.segeval.spark.SparkTestSession;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --precision: the reduced-precision trace that export.py adds to a model file runs through DJL, gives float32
 * logits close to the float32 ones, is refused with a clear error where the model file or the device cannot do it,
 * and is recorded in summary.json and in the run's fingerprint.
 */
class PrecisionTest {
  static final Path WITH_BF16 = Path.of("src/test/resources/models/conv19-precisions.pt");
  static final Path FP32_ONLY = Path.of("src/test/resources/models/conv19.pt");

  @TempDir
  Path tmp;

  @Test
  void bf16TraceGivesFloat32LogitsCloseToFullPrecisionOrIsRefused() throws Exception {
    try (LoadedModel model = LoadedModel.load("conv19-precisions.pt", WITH_BF16, Device.cpu());
         LoadedModel plain = LoadedModel.load("conv19.pt", FP32_ONLY, Device.cpu());
         NDManager m = model.newRequestManager()) {
      String refusal = bf16Refusal(model);
      NDArray x = m.randomUniform(-2f, 2f, new Shape(2, 3, 37, 53));
      float[] full = model.forward(x, Precision.FP32).toFloatArray();
      // The combined file's float32 method is the plain model, bit for bit.
      assertArrayEquals(plain.forward(x.duplicate()).toFloatArray(), full);
      NDArray low = model.forward(x, Precision.BF16);
      assertEquals(DataType.FLOAT32, low.getDataType());
      assertEquals(new Shape(2, 19, 37, 53), low.getShape());
      float[] reduced = low.toFloatArray();
      double maxAbs = 0;
      double maxDiff = 0;
      for (int i = 0; i < full.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(full[i]));
        maxDiff = Math.max(maxDiff, Math.abs(full[i] - reduced[i]));
      }
      // bfloat16 keeps 8 bits of mantissa: differences of a few per cent of the logits' range, never zero. Where
      // this machine's bf16 kernels stray further (libtorch 2.7.1 on a CPU with AVX512-BF16 did: 40-50 %), the
      // load-time check refuses bf16, and a random input shows the same disagreement.
      assertTrue(maxDiff > 0, "the bf16 method ran in float32");
      if (refusal == null) {
        assertTrue(maxDiff < 0.05 * maxAbs, "bf16 logits too far from float32: " + maxDiff + " of " + maxAbs);
      } else {
        assertTrue(refusal.startsWith("Cannot run model conv19-precisions.pt in bf16 on this machine: on a probe "
            + "image its bf16 logits differ from float32 by "), refusal);
        assertTrue(refusal.endsWith("run with --precision fp32"), refusal);
        assertTrue(maxDiff > 0.05 * maxAbs, "refused, yet close on random input: " + maxDiff + " of " + maxAbs);
      }
    }
  }

  /** Null when this machine runs the test model's bf16 trace close enough to float32, else the refusal. */
  static String bf16Refusal(LoadedModel model) {
    try {
      model.checkPrecision(Precision.BF16);
      return null;
    } catch (ModelLoadException e) {
      return e.getMessage();
    }
  }

  @Test
  void modelsWithoutTheMethodAndFp16OnCpuAreRefused() throws Exception {
    try (LoadedModel plain = LoadedModel.load("file:/models/conv19.pt", FP32_ONLY, Device.cpu())) {
      plain.checkPrecision(Precision.FP32);
      ModelLoadException e = assertThrows(ModelLoadException.class, () -> plain.checkPrecision(Precision.BF16));
      assertTrue(e.getMessage().startsWith("Cannot run model file:/models/conv19.pt in bf16: the TorchScript file "
          + "has no method forward_bf16 (it has forward); export it with notebooks/pspnet/export.py --precisions "
          + "fp32,bf16"), e.getMessage());
      ModelLoadException f = assertThrows(ModelLoadException.class, () -> plain.checkPrecision(Precision.FP16));
      assertTrue(f.getMessage().contains("in fp16 on the CPU: use --precision bf16"), f.getMessage());
    }
    assertEquals(Precision.BF16, Precision.parse("BF16"));
    InvalidSettingException bad = assertThrows(InvalidSettingException.class, () -> Precision.parse("int8"));
    assertEquals("Cannot use --precision 'int8': expected fp32, bf16 or fp16", bad.getMessage());
    assertThrows(InvalidSettingException.class, () -> new InferenceOptions("m.pt",
        ProtocolSettings.defaults("cityscapes"), "cpu", 0, 1 << 20, null, false, Precision.FP16));
  }

  @Test
  void summaryAndFingerprintRecordThePrecision() throws Exception {
    SyntheticDatasets.cityscapes(tmp.resolve("data").toUri().toString(),
        new SyntheticDatasets.Options(3, 64, 32, 9, "val"), new Configuration());
    String out = tmp.resolve("out").toUri().toString();
    String refusal;
    try (LoadedModel model = LoadedModel.load("conv19-precisions.pt", WITH_BF16, Device.cpu())) {
      refusal = bf16Refusal(model);
    }
    if (refusal != null) {
      // This machine's bf16 kernels disagree with float32: the run stops before any image, with the reason.
      dev.segeval.scoring.EvaluationException refused = assertThrows(dev.segeval.scoring.EvaluationException.class,
          () -> EvaluateJob.run(SparkTestSession.get(), spec(Precision.BF16, out, "r"), System.err));
      assertTrue(refused.getMessage().contains("in bf16 on this machine"), refused.getMessage());
      assertTrue(!java.nio.file.Files.exists(tmp.resolve("out/summary.json")));
      return;
    }
    EvaluateJob.Outcome bf16 = EvaluateJob.run(SparkTestSession.get(), spec(Precision.BF16, out, "r"), System.err);
    assertEquals(3, bf16.run().okCount());
    JsonNode summary = new ObjectMapper().readTree(tmp.resolve("out/summary.json").toFile());
    assertEquals("bf16", summary.get("precision").asText());
    assertTrue(summary.get("predictions").asText().endsWith(", precision bf16)"), summary.toString());
    // Resuming the run in full precision is refused: its images would mix two precisions.
    FingerprintMismatchException e = assertThrows(FingerprintMismatchException.class,
        () -> EvaluateJob.run(SparkTestSession.get(), spec(Precision.FP32, out, "r"),
            RunOptions.DEFAULTS.withResume(true), System.err));
    assertTrue(e.getMessage().contains("precision bf16"), e.getMessage());

    String out32 = tmp.resolve("out32").toUri().toString();
    EvaluateJob.run(SparkTestSession.get(), spec(Precision.FP32, out32, "f"), System.err);
    assertEquals("fp32", new ObjectMapper().readTree(tmp.resolve("out32/summary.json").toFile())
        .get("precision").asText());
  }

  private EvaluationSpec spec(Precision precision, String out, String runId) {
    InferenceOptions o = new InferenceOptions(WITH_BF16.toAbsolutePath().toUri().toString(),
        new ProtocolSettings(new double[] {1.0}, FlipMode.AVERAGE, 33, 33, 64, 2.0 / 3, 2), "cpu", 1, 1 << 24, null,
        false, precision);
    return new EvaluationSpec("cityscapes", null, tmp.resolve("data/cityscapes").toUri().toString(), "val",
        new ModelPredictions(o), PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE, out, runId, 2, true);
  }
}
