package dev.segeval.scoring;

import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.SegmentationStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * The single-threaded reference path: scores tasks one after another in one thread and merges in order.
 * The Spark job must produce exactly the same statistics; tests compare the two.
 */
public final class SequentialEvaluator {
  private SequentialEvaluator() {
  }

  public record Result(RunAggregate aggregate, List<ImageResult> images) {
  }

  public static Result evaluate(ClassSpace space, PredictionSource source, List<ScoringTask> tasks,
                                Configuration conf) throws IOException {
    RunAggregate total = new RunAggregate(SegmentationStats.empty(space));
    List<ImageResult> images = new ArrayList<>();
    try (ImageScorer scorer = new ImageScorer(space, source, conf, PredictionSource.TaskResources.SINGLE)) {
      for (ScoringTask t : tasks) {
        ImageResult r = scorer.score(t);
        images.add(r);
        total.add(r);
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("Cannot close the prediction reader", e);
    }
    return new Result(total, images);
  }
}
