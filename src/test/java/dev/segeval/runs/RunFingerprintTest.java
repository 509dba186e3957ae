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
  void overlappingChunksSupplyEachImageOnceFromTheFirstFile() {
    // Files in name order; "b" and "a" were committed again by a retried task with other chunk boundaries.
    List<List<String>> skips = RunDirectory.plan(List.of(List.of("a", "b"), List.of("b", "c"), List.of("a", "d")));
    assertEquals(List.of(List.of(), List.of("b"), List.of("a")), skips);
  }

  @Test
  void chunkNamesDependOnTheImagesOnly() {
    assertEquals(RunDirectory.chunkName(List.of("x", "y")), RunDirectory.chunkName(List.of("x", "y")));
    assertEquals(false, RunDirectory.chunkName(List.of("x", "y")).equals(RunDirectory.chunkName(List.of("y", "x"))));
    assertEquals(false, RunDirectory.chunkName(List.of("xy")).equals(RunDirectory.chunkName(List.of("x", "y"))));
  }
}
