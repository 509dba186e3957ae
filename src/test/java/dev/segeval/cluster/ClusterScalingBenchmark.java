package dev.segeval.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 7: the demo model over 1x, 4x and 16x the images in local mode (does the time per image stay the
 * same?), and the same job on a standalone cluster of two one-core Workers on 127.0.0.1 against local[2] on the
 * same two cores. Every run is a spark-submit of the application jar (client mode), timed as a whole process and by
 * its summary.json. {@code mvn -B test -Dgroups=benchmark -Dtest=ClusterScalingBenchmark
 * [-Dsegeval.scaling.base=48] [-Dsegeval.results=benchmark-results/scaling.md]
 * [-Dsegeval.results.csv=target/bench/scaling.csv]}.
 */
@Tag("benchmark")
class ClusterScalingBenchmark {
  @TempDir
  Path work;

  record Run(String what, int images, double wall, double scoring, double total, double miou) {
  }

  @Test
  void linearInImagesAndClusterAgainstLocal() throws Exception {
    int base = Integer.getInteger("segeval.scaling.base", 48);
    Path appJar = StandaloneCluster.applicationJar(work);
    List<Run> runs = new ArrayList<>();
    try (StandaloneCluster cluster = StandaloneCluster.start(work, 2)) {
      for (int factor : new int[] {1, 4, 16}) {
        Path data = data(base * factor);
        runs.add(run(cluster, "local[2]", data, "local[2], " + factor + "x", base * factor, appJar));
      }
      Path data = data(base * 4);
      runs.add(run(cluster, cluster.masterUrl(), data, "standalone, 2 Workers x 1 core, 4x", base * 4, appJar));
    }
    Run one = runs.get(0);
    Run four = runs.get(1);
    Run sixteen = runs.get(2);
    Run cluster = runs.get(3);
    assertEquals(four.miou(), cluster.miou(), 0, "the cluster's metrics equal local mode's");
    double perImage1 = one.scoring() / one.images();
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n## Scaling and standalone cluster, %s%n%n"
        + "Command: `mvn -B test -Dgroups=benchmark -Dtest=ClusterScalingBenchmark -Dsegeval.scaling.base=%d`  %n"
        + "Machine: %s, %d cores, Java %s. Demo model (conf/models/pspnet-tiny-synth-cityscapes.properties) on "
        + "synthetic Cityscapes images of 512x256; each run a spark-submit of the application jar, client mode.%n%n"
        + "| run | images | scoring | scoring per image, relative to 1x | job total | process wall |%n"
        + "|---|---:|---:|---:|---:|---:|%n", Instant.now(), base, System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
    StringBuilder csv = new StringBuilder("run,images,scoring_seconds,per_image_ratio_to_1x,total_seconds,"
        + "wall_seconds\n");
    for (Run r : runs) {
      double ratio = r.scoring() / r.images() / perImage1;
      md.append(String.format(Locale.ROOT, "| %s | %d | %.1f s | %.2f | %.1f s | %.1f s |%n", r.what(),
          r.images(), r.scoring(), ratio, r.total(), r.wall()));
      csv.append(String.format(Locale.ROOT, "\"%s\",%d,%.2f,%.3f,%.2f,%.2f%n", r.what(), r.images(), r.scoring(),
          ratio, r.total(), r.wall()));
    }
    md.append(String.format(Locale.ROOT, "%nLocal mode against the cluster on the same images: scoring %.2fx, "
        + "process wall %.2fx (above 1: the cluster is slower). mIoU equal in both: %.4f.%n",
        cluster.scoring() / four.scoring(), cluster.wall() / four.wall(), four.miou()));
    System.err.println(md);
    String results = System.getProperty("segeval.results");
    if (results != null && !results.isBlank()) {
      Files.writeString(Path.of(results), md, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    String csvPath = System.getProperty("segeval.results.csv");
    if (csvPath != null && !csvPath.isBlank()) {
      Files.writeString(Path.of(csvPath), csv, StandardCharsets.UTF_8);
    }
    assertTrue(sixteen.scoring() > one.scoring(), "more images took longer");
  }

  private Path data(int images) throws Exception {
    Path dir = work.resolve("data-" + images);
    if (!Files.isDirectory(dir)) {
      SyntheticDatasets.cityscapes(dir.toUri().toString(), new SyntheticDatasets.Options(images, 512, 256, 7, "val"),
          new Configuration());
    }
    return dir;
  }

  private Run run(StandaloneCluster cluster, String master, Path data, String what, int images, Path appJar)
      throws Exception {
    Path out = work.resolve("out-" + what.replaceAll("[^a-z0-9]+", "-"));
    String name = "submit-" + out.getFileName();
    long start = System.nanoTime();
    // spark.executor.cores tells each executor how many of the machine's cores are its own: without it a
    // standalone executor sees the JVM's available processors (both cores of this machine, shared by the two
    // Workers) and each gives PyTorch both (first run: 72.8 s scoring against 10.1 s in local[2]).
    Process p = cluster.submit(name, master, appJar, List.of("spark.cores.max=2", "spark.executor.cores=1",
        "spark.executor.memory=1g"),
        List.of("evaluate", "--config", "conf/datasets/cityscapes.properties", "--config",
            "conf/models/pspnet-tiny-synth-cityscapes.properties", "--data-root",
            data.resolve("cityscapes").toString(), "--output", out.toString(), "--run-id", "bench", "--quiet"));
    assertTrue(p.waitFor(20, TimeUnit.MINUTES), what + " did not finish in 20 minutes");
    double wall = (System.nanoTime() - start) / 1e9;
    assertEquals(0, p.exitValue(), cluster.log(name));
    JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("summary.json")));
    assertEquals(images, json.at("/images/total").asInt(), json.toString());
    return new Run(what, images, wall, json.at("/timings/scoringSeconds").asDouble(),
        json.at("/timings/totalSeconds").asDouble(), json.at("/metrics/mIoU").asDouble());
  }
}
