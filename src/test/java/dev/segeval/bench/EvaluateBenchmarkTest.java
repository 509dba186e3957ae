package dev.segeval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.spark.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateBenchmarkTest {
  @TempDir
  Path work;

  @Test
  void tinyRunReportsEveryPathAgainstTheSingleThreadedOne() throws Exception {
    SparkSession shared = SparkTestSession.get();
    String md = EvaluateBenchmark.run(new EvaluateBenchmark.Settings(6, 128, 64, 2, work));

    assertTrue(md.startsWith("## Evaluate job end to end, 20"), md);
    assertTrue(md.contains("\nCommand: `jobs/segeval.sh bench-evaluate --images 6 --width 128 --height 64`\n"), md);
    int cores = Runtime.getRuntime().availableProcessors();
    double[] single = MarkdownTable.row(md, "single thread: read + decode 3 PNGs + score", 3);
    assertEquals(1.0, single[2], 0);
    assertTrue(single[1] > 0, md);
    for (String path : new String[] {"single thread: read + decode only", cores + " plain Java threads, no Spark",
        "Spark local[*] job, whole run (listing, scoring, Parquet, summary)", "Spark scoring stage only"}) {
      double[] row = MarkdownTable.row(md, path, 3);
      assertTrue(row[0] >= 0 && row[1] > 0 && row[2] >= 0, path + " in\n" + md);
      // ratio = images/s of the path over images/s of the single thread, up to the printed rounding
      assertEquals(row[1] / single[1], row[2], 0.01 + 0.05 * row[2], path + " in\n" + md);
    }
    assertTrue(md.contains("the ideal for Spark on " + cores + " cores is " + cores + ".00.\n"), md);
    // The data stays in the work dir for the next run, and a session the caller owns is left running.
    assertTrue(Files.isDirectory(work.resolve("cityscapes/gtFine/val")));
    assertFalse(shared.sparkContext().isStopped());
  }
}
