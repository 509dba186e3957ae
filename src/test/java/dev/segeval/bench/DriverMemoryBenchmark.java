package dev.segeval.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.RunPlanner;
import dev.segeval.scoring.ScoringTask;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the planner holds per image (the driver in local mode; on a cluster the executor that plans, while the
 * driver holds nothing per image: DriverHeapBenchmark), measured on synthetic Cityscapes roots of several sizes:
 * {@code mvn -B test -Dgroups=benchmark -Dtest=DriverMemoryBenchmark -Dsegeval.memory.roots=ROOT1,ROOT2,...
 * [-Dsegeval.results=benchmark-results/driver-memory.md]}, each ROOT made by
 * {@code jobs/segeval.sh synth --dataset cityscapes --output ROOT --images N --width 64 --height 32}.
 *
 * <p>For each root it plans the run as evaluate does (listing, prediction matching, digests) and measures the heap
 * the plan retains after full collections, the Java-serialised size of the tasks (what {@code parallelize} keeps on
 * the driver and ships in the task binaries) and the per-image id sets evaluate keeps while merging results. The
 * slope between the smallest and the largest root is the cost per image; the table extrapolates it to 1,000,000
 * images. Heap figures from {@link MemoryMXBean} after {@code System.gc()} are approximate (a few MB of noise),
 * which is why the roots should differ by tens of thousands of images.
 */
@Tag("benchmark")
class DriverMemoryBenchmark {

  record Measured(int images, double planSeconds, long planBytes, long serializedBytes, long idSetBytes) {
  }

  @Test
  void driverMemoryPerImage() throws Exception {
    String roots = System.getProperty("segeval.memory.roots", "");
    assertFalse(roots.isBlank(), "give -Dsegeval.memory.roots=ROOT1,ROOT2 (synthetic Cityscapes outputs)");
    List<Measured> rows = new ArrayList<>();
    for (String root : roots.split(",")) {
      rows.add(measure(Path.of(root.strip()).toAbsolutePath()));
    }
    rows.sort((a, b) -> Integer.compare(a.images(), b.images()));
    Measured small = rows.get(0);
    Measured large = rows.get(rows.size() - 1);
    assertTrue(large.images() > small.images(), "give roots of different sizes");
    double images = large.images() - small.images();
    double planPerImage = (large.planBytes() - small.planBytes()) / images;
    double serializedPerImage = (large.serializedBytes() - small.serializedBytes()) / images;
    double idSetPerImage = (large.idSetBytes() - small.idSetBytes()) / images;

    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "## Driver memory per image, %s%n%n", Instant.now()));
    md.append("Command: `mvn -B test -Dgroups=benchmark -Dtest=DriverMemoryBenchmark -Dsegeval.memory.roots=")
        .append(roots).append("`  \n");
    md.append("Machine: ").append(MarkdownResults.machine()).append(String.format(Locale.ROOT,
        ", max heap %d MB. Synthetic Cityscapes val (64x32), folder predictions, instances on.%n%n",
        Runtime.getRuntime().maxMemory() >> 20));
    md.append("| images | planning (s) | plan retained (MB) | tasks serialised (MB) | id sets while merging (MB) |\n");
    md.append("|---:|---:|---:|---:|---:|\n");
    for (Measured m : rows) {
      md.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.1f | %.1f |%n", m.images(), m.planSeconds(),
          m.planBytes() / 1e6, m.serializedBytes() / 1e6, m.idSetBytes() / 1e6));
    }
    md.append(String.format(Locale.ROOT, "%nPer image (slope between %d and %d images): plan %.0f B, serialised "
            + "tasks %.0f B, id sets %.0f B. For 1,000,000 images: plan %.0f MB, serialised tasks %.0f MB, id sets "
            + "%.0f MB.%n", small.images(), large.images(), planPerImage, serializedPerImage, idSetPerImage,
        planPerImage * 1e6 / 1e6, serializedPerImage * 1e6 / 1e6, idSetPerImage * 1e6 / 1e6));
    String results = System.getProperty("segeval.results");
    MarkdownResults.publish(md.toString(), System.out, results == null || results.isBlank() ? null
        : Path.of(results));
    // Sanity, not speed: a plan holds at least an id per image, and no more than a few KB per image.
    assertTrue(planPerImage > 20 && planPerImage < 10_000, "plan bytes per image " + planPerImage);
  }

  private static Measured measure(Path root) throws IOException {
    String data = root.resolve("cityscapes").toUri().toString();
    String predictions = root.resolve("cityscapes-predictions").toUri().toString();
    EvaluationSpec spec = new EvaluationSpec("cityscapes", null, data, "val", new FolderPredictions(predictions),
        PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, null, "memory", 2, true);
    Configuration conf = new Configuration();
    // Once untimed, so that class loading and the file system cache do not count in the first root's figure.
    RunPlanner.plan(spec, conf);
    long before = usedAfterGc();
    long t0 = System.nanoTime();
    RunPlanner.RunPlan plan = RunPlanner.plan(spec, conf);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long planBytes = usedAfterGc() - before;
    // The id sets evaluate keeps while it merges committed results (planned ids; scored ids on a resumed run).
    long beforeSets = usedAfterGc();
    Set<String> planned = new HashSet<>();
    for (ScoringTask t : plan.tasks()) {
      planned.add(t.sample().id());
    }
    long idSetBytes = usedAfterGc() - beforeSets;
    Reference.reachabilityFence(planned);
    CountingStream counter = new CountingStream();
    try (ObjectOutputStream out = new ObjectOutputStream(counter)) {
      out.writeObject(new ArrayList<>(plan.tasks()));
    }
    int images = plan.tasks().size();
    Reference.reachabilityFence(plan);
    return new Measured(images, seconds, planBytes, counter.count, idSetBytes);
  }

  private static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static final class CountingStream extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
