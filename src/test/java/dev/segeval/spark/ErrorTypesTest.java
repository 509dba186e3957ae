package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.PredictionSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is not a problem of an image's own files is never filed as a bad image: a bug (here a NullPointerException
 * or an IllegalArgumentException thrown while predicting) or an I/O outage fails the run with the original
 * exception as the cause, and no summary is written.
 */
class ErrorTypesTest {
  @TempDir
  Path tmp;

  /** Reads the fixture's predictions, but throws on one image, as a bug or an outage would. */
  static final class Throwing implements PredictionSource {
    private static final long serialVersionUID = 1L;
    private final String root;
    private final String failOn;
    private final String what;

    Throwing(String root, String failOn, String what) {
      this.root = root;
      this.failOn = failOn;
      this.what = what;
    }

    @Override
    public Reader open(Configuration conf, TaskResources resources) {
      return (task, width, height) -> {
        if (task.sample().id().equals(failOn)) {
          switch (what) {
            case "npe" -> throw new NullPointerException("bug while predicting " + failOn);
            case "iae" -> throw new IllegalArgumentException("bug: bad argument while predicting " + failOn);
            default -> throw new IOException("Connection reset while reading the prediction of " + failOn);
          }
        }
        String id = task.sample().id();
        String path = root + "/" + id.substring(0, id.indexOf('_')) + "/" + id + "_pred_labelIds.png";
        return dev.segeval.imaging.PngDecoder.decodeIndex(dev.segeval.datasets.HadoopPaths.readAll(path, conf), path)
            .values();
      };
    }

    @Override
    public String describe() {
      return "throwing";
    }
  }

  EvaluationSpec spec(String what) {
    Path data = Fixtures.synth();
    return new EvaluationSpec("cityscapes", null, data.resolve("cityscapes").toUri().toString(), "val",
        new Throwing(data.resolve("cityscapes-predictions").toUri().toString(), "lindau_000000_000020", what),
        PredictionEncoding.LABEL_ID, AbsentClassPolicy.EXCLUDE, tmp.resolve(what).toUri().toString(), what, 2, true);
  }

  @Test
  void programmingErrorsAndOutagesFailTheRunWithTheirCause() throws Exception {
    for (String what : new String[] {"npe", "iae", "io"}) {
      SparkException e = assertThrows(SparkException.class,
          () -> EvaluateJob.run(SparkTestSession.get(), spec(what), System.err), what);
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      Class<?> expected = switch (what) {
        case "npe" -> NullPointerException.class;
        case "iae" -> IllegalArgumentException.class;
        default -> IOException.class;
      };
      assertEquals(expected, root.getClass(), what + ": " + e);
      assertTrue(root.getMessage().endsWith("lindau_000000_000020"), root.getMessage());
      assertFalse(Files.exists(tmp.resolve(what).resolve("summary.json")), what);
      awaitIdle();
    }
  }

  /**
   * A failed job's other tasks are cancelled but may still be finishing (and committing their chunk) for a moment;
   * wait until no task runs any more, so that the next run and the temporary folder's removal see a quiet output.
   * Bounded: 60 s.
   */
  static void awaitIdle() throws InterruptedException {
    var tracker = SparkTestSession.get().sparkContext().statusTracker();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (tracker.getActiveStageIds().length > 0 || tracker.getActiveJobIds().length > 0
        || java.util.Arrays.stream(tracker.getExecutorInfos()).mapToInt(e -> e.numRunningTasks()).sum() > 0) {
      assertTrue(System.nanoTime() < deadline, "Spark did not become idle in 60 s");
      Thread.sleep(50);
    }
  }
}
