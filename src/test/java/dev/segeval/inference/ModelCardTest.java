package dev.segeval.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.spark.SparkTestSession;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model card that contradicts the run fails it before any image is scored, naming the card and both values. */
class ModelCardTest {
  static final Path DEMO = Path.of("notebooks/models/pspnet-tiny-synth-cityscapes.pt");

  @TempDir
  Path tmp;

  Path copyWithCard(java.util.function.Consumer<ObjectNode> edit) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "m");
    Path model = Files.copy(DEMO, dir.resolve("model.pt"));
    ObjectNode card = (ObjectNode) new ObjectMapper().readTree(Files.readAllBytes(Path.of(
        "notebooks/models/pspnet-tiny-synth-cityscapes.json")));
    edit.accept(card);
    Files.writeString(dir.resolve("model.json"), card.toString());
    return model;
  }

  @Test
  void theShippedCardDescribesTheShippedModel() throws Exception {
    ModelCard card = ModelCard.near(DEMO.toAbsolutePath().toUri().toString(), new Configuration()).orElseThrow();
    assertEquals("cityscapes", card.dataset());
    assertEquals(19, card.classes());
    card.check("cityscapes", 19, card.sha256());
    assertEquals(Optional.empty(), ModelCard.near(tmp.resolve("none.pt").toUri().toString(), new Configuration()));
  }

  @Test
  void aContradictingCardFailsTheRunBeforeScoring() throws Exception {
    Path data = tmp.resolve("data");
    SyntheticDatasets.cityscapes(data.toUri().toString(), new SyntheticDatasets.Options(2, 128, 64, 3, "val"),
        new Configuration());
    String[][] cases = {
        {"dataset", "ade20k", "Cannot evaluate dataset 'cityscapes' with this model: its card "},
        {"classes", "150", "Cannot evaluate with this model: its card "},
        {"sha256", "00", "Cannot use model card "}};
    for (String[] c : cases) {
      Path model = copyWithCard(card -> {
        if (c[0].equals("classes")) {
          card.put("classes", Integer.parseInt(c[1]));
        } else {
          card.put(c[0], c[1]);
        }
      });
      EvaluationException e = assertThrows(EvaluationException.class, () -> EvaluateJob.run(SparkTestSession.get(),
          spec(data, model), System.err), c[0]);
      assertTrue(e.getMessage().startsWith(c[2]), e.getMessage());
      assertTrue(e.getMessage().contains("model.json"), e.getMessage());
    }
    Path otherNorm = copyWithCard(card -> ((ArrayNode) card.at("/normalisation/mean")).set(0, 0.485));
    EvaluationException e = assertThrows(EvaluationException.class, () -> EvaluateJob.run(SparkTestSession.get(),
        spec(data, otherNorm), System.err));
    assertTrue(e.getMessage().contains("asks for normalisation mean [0.485, 116.28, 103.53]"), e.getMessage());
    assertEquals(false, Files.exists(tmp.resolve("out/summary.json")));
  }

  @Test
  void evaluateTakesTheCardsProtocolAsDefaultsAndOptionsWin() throws Exception {
    Path data = tmp.resolve("data");
    SyntheticDatasets.cityscapes(data.toUri().toString(), new SyntheticDatasets.Options(2, 128, 64, 3, "val"),
        new Configuration());
    Path model = copyWithCard(card -> card.putObject("protocol").put("flip", "none").put("base_size", 160)
        .put("stride_rate", 0.5).set("crop", new ObjectMapper().createArrayNode().add(65).add(97)));
    String[] common = {"evaluate", "--dataset", "cityscapes", "--data-root", data.resolve("cityscapes").toString(),
        "--model", model.toString(), "--output", tmp.resolve("out").toString(), "--quiet"};
    SparkTestSession.get();
    assertEquals(0, dev.segeval.cli.SegEval.execute(concat(common, "--run-id", "from-card")));
    // Not the dataset's defaults (crop 713, base 2048, flip averaged): the card's.
    assertEquals("scales [1.0], flip none, crop 65x97, base 160, stride rate 0.5000, batch auto",
        protocolOf("from-card"));
    assertEquals(0, dev.segeval.cli.SegEval.execute(concat(common, "--run-id", "options-win", "--crop-size", "81",
        "--flip", "average")));
    assertEquals("scales [1.0], flip average, crop 81x81, base 160, stride rate 0.5000, batch auto",
        protocolOf("options-win"));

    // A card whose protocol cannot be used: exit 2, naming the card and the key.
    Path bad = copyWithCard(card -> card.putObject("protocol").put("crop", 713));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream saved = System.err;
    int code;
    try {
      System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
      code = dev.segeval.cli.SegEval.execute("evaluate", "--dataset", "cityscapes", "--data-root",
          data.resolve("cityscapes").toString(), "--model", bad.toString(), "--output", tmp.resolve("bad").toString());
    } finally {
      System.setErr(saved);
    }
    String message = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(2, code, message);
    assertTrue(message.contains("Cannot read model card ") && message.contains("model.json: 'protocol.crop' must be "
        + "an array of 2 numbers, not 713"), message);
  }

  @Test
  void cardProtocolsAreValidatedKeyByKey() {
    ObjectMapper json = new ObjectMapper();
    String[][] cases = {
        {"{\"scale\": [1.0]}", "unknown key 'protocol.scale'"},
        {"{\"flip\": \"sideways\"}", "'protocol.flip' \"sideways\" is not one of none, average, caffe"},
        {"{\"base_size\": 512.5}", "'protocol.base_size' must be a whole number, not 512.5"},
        {"{\"scales\": []}", "'protocol.scales' must be an array of 1 to 16 numbers"},
        {"{\"stride_rate\": 2}", "its protocol is invalid: Cannot use --stride-rate 2.0: must be in (0, 1]"},
        {"[1]", "'protocol' must be an object"}};
    for (String[] c : cases) {
      ModelLoadException e = assertThrows(ModelLoadException.class,
          () -> ModelCard.protocol("file:/m/model.json", json.readTree(c[0])), c[0]);
      assertTrue(e.getMessage().contains("/m/model.json") && e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  String protocolOf(String runId) throws Exception {
    java.util.Properties p = new java.util.Properties();
    try (var in = Files.newInputStream(tmp.resolve("out/_progress/" + runId + "/fingerprint.properties"))) {
      p.load(in);
    }
    return p.getProperty("protocol");
  }

  EvaluationSpec spec(Path data, Path model) {
    return new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(), "val",
        new ModelPredictions(new InferenceOptions(model.toUri().toString(), new ProtocolSettings(new double[] {1.0},
            FlipMode.NONE, 257, 513, 512, 2.0 / 3, 4), "cpu", 1, 100_000_000L, null, false)),
        PredictionEncoding.TRAIN_ID, AbsentClassPolicy.EXCLUDE, tmp.resolve("out").toUri().toString(), "card", 1,
        true);
  }
}
