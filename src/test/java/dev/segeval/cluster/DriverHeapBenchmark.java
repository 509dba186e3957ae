package dev.segeval.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver's live heap over whole {@code evaluate} runs of growing size, with the driver in a JVM of its own: a
 * spark-submit (client mode) to a standalone cluster of two one-core Workers on 127.0.0.1, so that what the
 * executors hold (the listing, the plan, the images) is not in the measured heap. While the run goes, the driver's
 * heap is collected ({@code jcmd <pid> GC.run}) and read ({@code GC.heap_info}) every second; the largest heap in use
 * after such a collection is the run's figure. The driver JVM is the process this benchmark started (by its pid).
 *
 * <p>{@code mvn -B test -Dgroups=benchmark -Dtest=DriverHeapBenchmark -Dsegeval.memory.roots=ROOT1,ROOT2,...
 * [-Dsegeval.memory.jar=JAR] [-Dsegeval.memory.eventlog=DIR] [-Dsegeval.results=benchmark-results/driver-memory.md]},
 * each ROOT made by
 * {@code jobs/segeval.sh synth --dataset cityscapes --output ROOT --images N --width 64 --height 32}; JAR is an
 * application jar to measure instead of target/classes (an earlier build, for a comparison); DIR receives Spark's
 * event logs.
 */
@Tag("benchmark")
class DriverHeapBenchmark {
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  @TempDir
  Path work;

  record Run(int images, double peakMb, double wall, double listing, double scoring, double writing) {
  }

  @Test
  void driverHeapOverWholeRuns() throws Exception {
    String roots = System.getProperty("segeval.memory.roots", "");
    assertFalse(roots.isBlank(), "give -Dsegeval.memory.roots=ROOT1,ROOT2 (synthetic Cityscapes outputs)");
    String jarProperty = System.getProperty("segeval.memory.jar", "");
    Path appJar = jarProperty.isBlank() ? StandaloneCluster.applicationJar(work) : Path.of(jarProperty);
    List<Run> runs = new ArrayList<>();
    try (StandaloneCluster cluster = StandaloneCluster.start(work, 2)) {
      for (String root : roots.split(",")) {
        runs.add(run(cluster, Path.of(root.strip()).toAbsolutePath(), appJar));
      }
    }
    runs.sort((a, b) -> Integer.compare(a.images(), b.images()));
    Run small = runs.get(0);
    Run large = runs.get(runs.size() - 1);
    assertTrue(large.images() > small.images(), "give roots of different sizes");
    double perImage = (large.peakMb() - small.peakMb()) * 1024 * 1024 / (large.images() - small.images());
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n## Driver heap over whole runs, %s%n%n"
        + "Command: `mvn -B test -Dgroups=benchmark -Dtest=DriverHeapBenchmark -Dsegeval.memory.roots=%s%s`  %n"
        + "Machine: %s, %d cores, Java %s. spark-submit (client mode, driver -Xmx512m) to a standalone cluster of two "
        + "one-core Workers on 127.0.0.1; synthetic Cityscapes val (64x32), folder predictions, instances on. The "
        + "driver's heap in use after a full collection, sampled every second; the peak of the run.%n%n"
        + "| images | driver heap, peak after GC (MB) | listing (s) | scoring (s) | writing (s) | process wall (s) |%n"
        + "|---:|---:|---:|---:|---:|---:|%n", Instant.now(), roots, jarProperty.isBlank() ? ""
        : " -Dsegeval.memory.jar=" + jarProperty, System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
    for (Run r : runs) {
      md.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.1f | %.1f | %.1f |%n", r.images(), r.peakMb(),
          r.listing(), r.scoring(), r.writing(), r.wall()));
    }
    md.append(String.format(Locale.ROOT, "%nSlope between %d and %d images: %.0f bytes per image (%.0f MB for "
        + "1,000,000 images).%n", small.images(), large.images(), perImage, perImage * 1e6 / 1024 / 1024));
    System.err.println(md);
    String results = System.getProperty("segeval.results");
    if (results != null && !results.isBlank()) {
      Files.writeString(Path.of(results), md, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
  }

  private Run run(StandaloneCluster cluster, Path root, Path appJar) throws Exception {
    Path out = work.resolve("out-" + root.getFileName());
    String name = "submit-" + root.getFileName();
    long start = System.nanoTime();
    List<String> conf = new ArrayList<>(List.of("spark.cores.max=2", "spark.executor.cores=1",
        "spark.executor.memory=1g"));
    String eventLog = System.getProperty("segeval.memory.eventlog", "");
    if (!eventLog.isBlank()) { // Spark's event log, for the timeline of each job and task
      Files.createDirectories(Path.of(eventLog));
      conf.addAll(List.of("spark.eventLog.enabled=true", "spark.eventLog.dir=" + Path.of(eventLog).toUri()));
    }
    Process p = cluster.submit(name, appJar, conf, List.of("evaluate", "--dataset", "cityscapes", "--data-root",
        root.resolve("cityscapes").toString(), "--predictions", root.resolve("cityscapes-predictions").toString(),
        "--output", out.toString(), "--run-id", "bench", "--quiet", "--partitions",
        System.getProperty("segeval.memory.partitions", "0")));
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    long peakKb = 0;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    while (!p.waitFor(1, TimeUnit.SECONDS)) {
      assertTrue(System.nanoTime() < deadline, root + " did not finish in 30 minutes");
      if (command(jcmd, String.valueOf(p.pid()), "GC.run") == null) {
        continue; // the JVM is not attachable yet, or has just ended
      }
      String info = command(jcmd, String.valueOf(p.pid()), "GC.heap_info");
      Matcher m = info == null ? null : USED.matcher(info);
      if (m != null && m.find()) {
        peakKb = Math.max(peakKb, Long.parseLong(m.group(1)));
      }
    }
    double wall = (System.nanoTime() - start) / 1e9;
    assertEquals(0, p.exitValue(), cluster.log(name));
    // The driver's own lines (phases and their times) beside the figures.
    cluster.log(name).lines().filter(l -> l.startsWith("[segeval]")).forEach(System.err::println);
    JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("summary.json")));
    JsonNode t = json.at("/timings");
    assertTrue(peakKb > 0, "no heap sample of the driver");
    return new Run(json.at("/images/total").asInt(), peakKb / 1024.0, wall, t.at("/listingSeconds").asDouble(),
        t.at("/scoringSeconds").asDouble(), t.at("/writingSeconds").asDouble());
  }

  /** The output of a jcmd command, or null when it failed (bounded to 30 seconds; the process is ours). */
  private static String command(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return null;
    }
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return p.exitValue() == 0 ? text : null;
  }
}
