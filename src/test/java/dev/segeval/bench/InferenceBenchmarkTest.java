package dev.segeval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.inference.FlipMode;
import dev.segeval.spark.Fixtures;
import dev.segeval.spark.SparkTestSession;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferenceBenchmarkTest {
  @TempDir
  Path work;

  @Test
  void tinyRunReportsTheSparkJobAgainstTheBarePredictorAndTheMemoryOfExtraPasses() throws Exception {
    SparkSession shared = SparkTestSession.get();
    String model = Fixtures.resource("/models/conv19.pt").toString();
    String md = InferenceBenchmark.run(new InferenceBenchmark.Settings(model, "conv19", 4, 96, 64, 33, 49, 96,
        FlipMode.NONE, 3, 2, 1, 2, work, 1, 2));

    assertTrue(md.startsWith("## Inference efficiency: conv19, 20"), md);
    assertTrue(md.contains("\nCommand: `jobs/segeval.sh bench-inference --model " + model + " --label 'conv19' "
        + "--images 4 --width 96 --height 64 --crop-size 33x49 --base-size 96 --flip none --batch-size 3 --threads 2 "
        + "--intra-op-threads 1 --warmup-jobs 1 --rounds 2`\n"), md);
    // Each round pairs a bare pass with a Spark job, and the report names both rounds' figures.
    String round = "bare [0-9.]+ s \\(CPU [0-9.]+ s\\), job [0-9.]+ s \\(CPU [0-9.]+ s; stage [0-9.]+ s\\), [0-9.]+";
    assertTrue(Pattern.compile("\nRounds \\(bare pass with 2 threads, then the Spark job; .*?\\): 1: " + round + "; 2: "
        + round + "\n").matcher(md).find(), md);
    // The process's CPU time over each side, and the cores it kept busy: a share of the 2 cores, never more.
    Matcher cpu = Pattern.compile("\nMedian CPU time: bare pass ([0-9.]+) s, job ([0-9.]+) s \\(([0-9.]+) x the bare "
        + "pass's\\); cores busy: bare ([0-9.]+), job ([0-9.]+) of (\\d+)\\.\n").matcher(md);
    assertTrue(cpu.find(), md);
    int cores = Integer.parseInt(cpu.group(6));
    assertEquals(Runtime.getRuntime().availableProcessors(), cores, md);
    for (int g = 1; g <= 5; g++) {
      assertTrue(Double.parseDouble(cpu.group(g)) > 0, md);
    }
    // The ratio is of the unrounded medians: within what rounding the two printed ones to 0.01 allows.
    double bareCpu = Double.parseDouble(cpu.group(1));
    double jobCpu = Double.parseDouble(cpu.group(2));
    double ratio = Double.parseDouble(cpu.group(3));
    assertTrue(ratio >= (jobCpu - 0.005) / (bareCpu + 0.005) - 0.005
        && ratio <= (jobCpu + 0.005) / (bareCpu - 0.005) + 0.005, md);
    double[] one = MarkdownTable.row(md, "bare predictor, 1 thread, pre-decoded images", 3);
    double[] two = MarkdownTable.row(md, "bare predictor, 2 threads sharing the model", 3);
    // The faster of the two bare runs is the reference, so exactly one of them has ratio 1.
    assertEquals(1.0, Math.max(one[2], two[2]), 0, md);
    for (double[] bare : new double[][] {one, two}) {
      assertTrue(bare[1] > 0 && bare[2] > 0 && bare[2] <= 1, md);
    }
    for (String path : new String[] {"Spark job local[2] end to end (read, decode, infer, score, write)",
        "Spark scoring stage only"}) {
      double[] row = MarkdownTable.row(md, path, 3);
      assertTrue(row[0] >= 0 && row[1] > 0 && row[2] >= 0, path + " in\n" + md);
    }
    Matcher miou = Pattern.compile("\nmIoU of this run: (\\d\\.\\d{4}) \\(synthetic Cityscapes, 4 images 96x64\\)\n")
        .matcher(md);
    assertTrue(miou.find(), md);
    // Two extra passes over the 4 images, each followed by the process RSS.
    assertTrue(md.contains("Native memory over repeated bare-predictor passes (4 images each):"), md);
    assertTrue(MarkdownTable.row(md, "4", 1)[0] > 0, md);
    assertTrue(MarkdownTable.row(md, "8", 1)[0] > 0, md);
    assertFalse(shared.sparkContext().isStopped());
  }
}
