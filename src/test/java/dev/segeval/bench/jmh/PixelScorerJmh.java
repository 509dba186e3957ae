package dev.segeval.bench.jmh;

import dev.segeval.metrics.InvalidPixelException;
import dev.segeval.metrics.PixelScorer;
import dev.segeval.metrics.SegmentationStats;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The pixel-scoring core on Cityscapes-sized images (2048x1024), one image per operation, one thread: pixels
 * per second per core is operations per second times 2,097,152. Run by {@code jobs/bench-core.sh}, which also
 * times NumPy's bincount on the same arrays; never part of the test suite.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PixelScorerJmh {
  /** {@code scenes} (piecewise constant maps) or {@code noise} (10 % salt-and-pepper predictions). */
  @Param({"scenes", "noise"})
  public String images;

  private CoreBenchData.Images data;
  private PixelScorer scorer;
  private int next;

  @Setup
  public void setUp() {
    data = CoreBenchData.generate(images);
    scorer = new PixelScorer(CoreBenchData.SPACE);
  }

  private int nextImage() {
    int i = next;
    next = (i + 1) % CoreBenchData.IMAGES;
    return i;
  }

  @Benchmark
  public SegmentationStats confusion() throws InvalidPixelException {
    int i = nextImage();
    return scorer.score(data.groundTruth()[i], data.prediction()[i], null, CoreBenchData.WIDTH);
  }

  @Benchmark
  public SegmentationStats confusionAndInstances() throws InvalidPixelException {
    int i = nextImage();
    return scorer.score(data.groundTruth()[i], data.prediction()[i], data.instances()[i], CoreBenchData.WIDTH);
  }
}
