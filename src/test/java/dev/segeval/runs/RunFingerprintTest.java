package dev.segeval.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunFingerprintTest {
  @Test
  void roundTripsAnyValueAndNamesEachDifferenceInOrder() throws Exception {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("tool.version", "0.1.0");
    f.put("data.root", "s3a://bucket/city scapes=x:y#z!\\\u00e9");
    f.put("model.sha256", "a".repeat(64));
    f.put("protocol", "scales=[1.0] flip=none");
    RunFingerprint stored = new RunFingerprint(f);
    RunFingerprint parsed = RunFingerprint.parse(stored.render());
    assertEquals(stored.fields(), parsed.fields());
    assertEquals(List.copyOf(stored.fields().keySet()), List.copyOf(parsed.fields().keySet()));

    Map<String, String> g = new LinkedHashMap<>(f);
    g.put("model.sha256", "b".repeat(64));
    g.put("protocol", "scales=[0.5, 1.0] flip=none");
    g.put("instances", "true");
    assertEquals(List.of("model.sha256 (run: aaaaaaaaaaaa..., now: bbbbbbbbbbbb...)",
        "protocol (run: scales=[1.0] flip=none, now: scales=[0.5, 1.0] flip=none)", "instances (run: absent, now: true)"),
        parsed.differences(new RunFingerprint(g)));
    assertEquals(List.of(), parsed.differences(stored));
  }

  @Test
  void eachImageComesFromOneFileAndRescoredFailuresFromThisAttempt() {
    java.util.Map<String, List<RunDirectory.Entry>> files = new java.util.TreeMap<>();
    // Earlier attempt: f1 (a ok, b failed); a retried task committed b again with other boundaries in f2.
    files.put("f1", List.of(new RunDirectory.Entry("a", true), new RunDirectory.Entry("b", false)));
    files.put("f2", List.of(new RunDirectory.Entry("b", false), new RunDirectory.Entry("c", true)));
    // This attempt scored b again (it failed before) into f9, whose name sorts last; x is not in the run.
    files.put("f9", List.of(new RunDirectory.Entry("b", true), new RunDirectory.Entry("x", true)));
    List<java.util.Set<String>> skips = RunDirectory.choose(files, java.util.Set.of("f1", "f2"),
        java.util.Set.of("b"), java.util.Set.of("a", "b", "c"));
    assertEquals(List.of(java.util.Set.of("b"), java.util.Set.of("b"), java.util.Set.of("x")), skips);
    // Without rescoring, overlapping chunks supply each image from the first file in name order.
    skips = RunDirectory.choose(files, java.util.Set.of("f1", "f2", "f9"), java.util.Set.of(),
        java.util.Set.of("a", "b", "c"));
    assertEquals(List.of(java.util.Set.of(), java.util.Set.of("b"), java.util.Set.of("b", "x")), skips);
  }

  @Test
  void chunksOfAnotherFingerprintAreNeitherReadNorInTheWay(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    RunDirectory any = new RunDirectory(tmp.toUri().toString(), "r");
    RunDirectory a = any.forFingerprint(new RunFingerprint(Map.of("model.sha256", "a")));
    RunDirectory b = any.forFingerprint(new RunFingerprint(Map.of("model.sha256", "b")));
    dev.segeval.scoring.ScoringTask task = dev.segeval.scoring.ScoringTask.of(
        new dev.segeval.datasets.Sample("img", null, "l", null), "p");
    var failedA = dev.segeval.scoring.ImageResult.failed(task, new dev.segeval.scoring.ImageFailure(
        dev.segeval.scoring.ImageFailure.Kind.CORRUPT_FILE, "under inputs a"), 0, null);
    var failedB = dev.segeval.scoring.ImageResult.failed(task, new dev.segeval.scoring.ImageFailure(
        dev.segeval.scoring.ImageFailure.Kind.CORRUPT_FILE, "under inputs b"), 0, null);
    a.commit(List.of(failedA), conf); // a straggler of an earlier attempt under other inputs
    assertEquals(List.of(), b.committedFiles(conf));
    b.commit(List.of(failedB), conf);
    assertEquals(1, b.committedFiles(conf).size());
    assertEquals("under inputs b", RunDirectory.read(b.committedFiles(conf).get(0), conf).get(0).error());
    assertEquals(2, any.committedFiles(conf).size(), "an untagged view lists every chunk");
  }

  @Test
  void chunkNamesDependOnTheImagesOnly() {
    assertEquals(RunDirectory.chunkName(List.of("x", "y")), RunDirectory.chunkName(List.of("x", "y")));
    assertEquals(false, RunDirectory.chunkName(List.of("x", "y")).equals(RunDirectory.chunkName(List.of("y", "x"))));
    assertEquals(false, RunDirectory.chunkName(List.of("xy")).equals(RunDirectory.chunkName(List.of("x", "y"))));
  }
}
