package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.cli.SegEval;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path from an official semseg checkpoint to a table row, end to end, with Debian's python3-torch (the Python
 * lane that .ci/run runs after the README's test command: {@code mvn -B test -Dgroups=python}).
 *
 * <p>For each of ADE20K, VOC 2012 and Cityscapes and both backbones, {@code notebooks/pspnet/export.py} writes a
 * checkpoint in the official format (random weights, semseg's key names with DataParallel's "module." prefix and
 * the aux head), loads it back strictly, exports TorchScript and writes the model card. The three ResNet-50 models
 * then run their semseg-release rows ({@code tables --rows}) on one synthetic image each, with the rows' own
 * protocols; a card of another dataset fails its row before any job runs.
 */
@Tag("python")
class OfficialCheckpointTest {
  static final String PYTHON = "/usr/bin/python3";
  static final Map<String, String> ROW = Map.of("ade20k", "ade-psp50-ss", "voc2012", "voc-psp50-ss",
      "cityscapes", "cs-psp50-ss");
  static final Map<String, String> KEY = Map.of("ade20k", "pspnet50-ade20k", "voc2012", "pspnet50-voc2012",
      "cityscapes", "pspnet50-cityscapes");
  static final Map<String, Integer> CLASSES = Map.of("ade20k", 150, "voc2012", 21, "cityscapes", 19);

  @TempDir
  Path tmp;

  static String run(List<String> cmd, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly(); // the process this test started, by its own handle
      throw new AssertionError("did not finish in " + timeoutSeconds + " s: " + cmd);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), cmd + "\n" + text);
    return text;
  }

  static String sha256(Path file) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /** Exports one model; returns its card. The checkpoint is deleted afterwards (about 200-270 MB). */
  JsonNode export(String dataset, String layers, Path pt) throws Exception {
    Path pth = tmp.resolve(dataset + "-" + layers + ".pth");
    String log = run(List.of(PYTHON, "notebooks/pspnet/export.py", "--layers", layers, "--dataset", dataset,
        "--weights", "none", "--random-init", "3", "--write-official-checkpoint", pth.toString(), "--output",
        pt.toString()), 600);
    assertTrue(log.contains("loaded " + pth + " strictly"), log);
    assertTrue(log.contains("\"stripped_module_prefix\": " + (layers.equals("50") ? 370 : 676)), log);
    JsonNode card = new ObjectMapper().readTree(Files.readAllBytes(Path.of(pt.toString().replace(".pt", ".json"))));
    assertEquals(dataset, card.get("dataset").asText());
    assertEquals(CLASSES.get(dataset), card.get("classes").asInt());
    assertEquals(CLASSES.get(dataset), card.get("class_names").size());
    assertEquals("ResNet-" + layers, card.get("backbone").asText());
    assertEquals(sha256(pt), card.get("sha256").asText());
    assertEquals(sha256(pth), card.at("/source_checkpoint/sha256").asText());
    int crop = dataset.equals("cityscapes") ? 713 : 473;
    assertEquals(crop, card.at("/protocol/crop/0").asInt());
    assertEquals(dataset.equals("cityscapes") ? 2048 : 512, card.at("/protocol/base_size").asInt());
    assertEquals("average", card.at("/protocol/flip").asText());
    Files.delete(pth);
    return card;
  }

  @Test
  void officialFormatCheckpointsGoThroughExportCardAndTables() throws Exception {
    assertTrue(Files.isExecutable(Path.of(PYTHON)), "Debian's python3 is needed: apt-get install python3-torch");
    run(List.of(PYTHON, "-c", "import torch"), 120);
    Path data = tmp.resolve("data");
    for (String dataset : List.of("ade20k", "voc2012", "cityscapes")) {
      SyntheticDatasets.write(dataset, data.toUri().toString(), new SyntheticDatasets.Options(1, 96, 48, 5,
          "val"), new Configuration(), System.err);
    }
    List<String> args = new ArrayList<>(List.of("tables", "--table", "conf/tables/semseg-release.csv", "--rows",
        String.join(",", ROW.values()), "--output", tmp.resolve("tables").toString()));
    Path ade = null;
    for (String dataset : List.of("ade20k", "voc2012", "cityscapes")) {
      Path pt = tmp.resolve("models/" + dataset + "-psp50.pt");
      export(dataset, "50", pt);
      // ResNet-101: the export and the card only (the rows' inference is the same code path).
      Path deep = tmp.resolve("models/" + dataset + "-psp101.pt");
      export(dataset, "101", deep);
      Files.delete(deep);
      args.addAll(List.of("--model-for", KEY.get(dataset) + "=" + pt, "--data-root-for", dataset + "="
          + data.resolve(dataset)));
      ade = dataset.equals("ade20k") ? pt : ade;
    }

    SparkTestSession.get();
    NightlyTest.Result out = NightlyTest.run(args.toArray(String[]::new));
    assertEquals(SegEval.EXIT_OK, out.code(), out.out());
    Map<String, Row> rows = new java.util.HashMap<>();
    for (Row r : SparkTestSession.get().read().parquet(tmp.resolve("tables/table").toString()).collectAsList()) {
      rows.put(r.getAs("row"), r);
    }
    for (Map.Entry<String, String> e : ROW.entrySet()) {
      Row r = rows.get(e.getValue());
      assertEquals("measured", r.getAs("state"), e.getValue() + ": " + r.getAs("reason"));
      assertTrue((Double) r.getAs("measured_miou") >= 0, e.getValue());
      // The run was made with the row's protocol: semseg's for the dataset, as the card says too.
      Properties fp = new Properties();
      try (var in = Files.newInputStream(tmp.resolve("tables/evaluations/_progress/semseg-release-" + e.getValue()
          + "/fingerprint.properties"))) {
        fp.load(in);
      }
      String expected = e.getKey().equals("cityscapes") ? "flip average, crop 713x713, base 2048"
          : "flip average, crop 473x473, base 512";
      assertTrue(fp.getProperty("protocol").startsWith("scales [1.0], " + expected), fp.getProperty("protocol"));
    }
    assertEquals("not run", rows.get("ade-psp50-ms").getAs("state"));
    assertEquals("not selected (--rows)", rows.get("ade-psp50-ms").getAs("reason"));

    // The ADE20K model given for the VOC row: its card stops the row before any job, naming both datasets.
    List<String> wrong = new ArrayList<>(List.of("tables", "--table", "conf/tables/semseg-release.csv", "--rows",
        "voc-psp50-ss", "--output", tmp.resolve("wrong").toString(), "--model-for", "pspnet50-voc2012=" + ade,
        "--data-root-for", "voc2012=" + data.resolve("voc2012")));
    NightlyTest.Result refused = NightlyTest.run(wrong.toArray(String[]::new));
    assertEquals(SegEval.EXIT_RUN_FAILED, refused.code(), refused.out());
    Row failed = SparkTestSession.get().read().parquet(tmp.resolve("wrong/table").toString()).collectAsList().stream()
        .filter(r -> r.getAs("row").equals("voc-psp50-ss")).findFirst().orElseThrow();
    assertEquals("failed", failed.getAs("state"));
    String reason = failed.getAs("reason");
    assertTrue(reason.contains("Cannot evaluate dataset 'voc2012' with this model: its card ")
        && reason.contains("says it was trained for 'ade20k'"), reason);
    assertFalse(Files.exists(tmp.resolve("wrong/evaluations/_progress/semseg-release-voc-psp50-ss")),
        "refused before the run started");
  }
}
