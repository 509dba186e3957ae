package dev.segeval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CoreBenchmarkTest {
  @Test
  void tinyRunReportsThroughputAndRatiosOfTheSameRun() throws Exception {
    String md = CoreBenchmark.run(new CoreBenchmark.Settings(96, 64, 2, 2));

    assertTrue(md.startsWith("## Confusion-matrix core, 20"), md);
    assertTrue(md.contains("\nCommand: `jobs/bench-core.sh --width 96 --height 64 --images 2 --rounds 2`\n"), md);
    assertTrue(md.contains("\nMachine: " + System.getProperty("os.arch") + ", "
        + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version") + "\n"), md);
    double[] core = MarkdownTable.row(md, "core (confusion only)", 2);
    double[] instances = MarkdownTable.row(md, "core (confusion + Cityscapes instances)", 2);
    double[] baseline = MarkdownTable.row(md, "baseline (encode + histogram, two passes)", 2);
    assertEquals(1.0, baseline[1], 0);
    for (double[] row : new double[][] {core, instances, baseline}) {
      assertTrue(row[0] > 0 && row[1] > 0, md);
    }
    // The ratio is the row's throughput over the baseline's (up to the rounding of the printed numbers).
    assertEquals(core[0] / baseline[0], core[1], 0.01 + 0.03 * core[1], md);
    assertEquals(instances[0] / baseline[0], instances[1], 0.01 + 0.03 * instances[1], md);
  }

  @Test
  void baselineCountsEveryEvaluatedPixelOnce() {
    ClassSpace space = new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.LABEL_ID);
    // Label ids 7 (road) and 8 (sidewalk) are evaluated; 0 (unlabeled) is ignored in the ground truth.
    long[] h = CoreBenchmark.baseline(space, new int[] {7, 7, 8, 0}, new int[] {7, 8, 8, 7});
    int road = space.groundTruthLut()[7];
    int sidewalk = space.groundTruthLut()[8];
    int columns = space.numColumns();
    assertEquals(1, h[road * columns + space.predictionLut()[7]]);
    assertEquals(1, h[road * columns + space.predictionLut()[8]]);
    assertEquals(1, h[sidewalk * columns + space.predictionLut()[8]]);
    assertEquals(3, Arrays.stream(h).sum());
  }
}
