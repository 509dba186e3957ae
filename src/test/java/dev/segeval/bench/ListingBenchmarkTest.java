package dev.segeval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListingBenchmarkTest {
  @TempDir
  Path tmp;

  @Test
  void bothListingsCountTheSameFilesAndTheTableSaysSo() throws Exception {
    for (int i = 0; i < 30; i++) {
      Path dir = Files.createDirectories(tmp.resolve("city" + i % 3));
      Files.write(dir.resolve("img" + i + ".png"), new byte[i]);
    }
    ListingBenchmark.Result r = ListingBenchmark.run(tmp.toUri().toString(), 1, new Configuration());
    assertEquals(30, r.files());
    assertTrue(r.projectSeconds() > 0 && r.hadoopSeconds() > 0);
    String md = ListingBenchmark.markdown(r, "cmd");
    assertTrue(md.contains("| 30 | "), md);
  }
}
