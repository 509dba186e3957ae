package dev.segeval.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cores are shared among the images in flight, per task thread, as PyTorch's own per-thread setting. */
class ThreadBudgetTest {
  /**
   * The JVM's count of predicting tasks once every task of earlier tests (a killed one may still be unwinding) has
   * given its share back: 0, or the test fails on a share that was never given back.
   */
  static int awaitNoPredictingTask() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (ThreadBudget.predictingTasks() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, ThreadBudget.predictingTasks(), "a task of an earlier test never gave its share back");
    return 0;
  }

  @Test
  void oneImageTakesEveryCoreAndTwoShareThem() throws Exception {
    DjlRuntime.configure(1);
    awaitNoPredictingTask();
    int before = ThreadBudget.inFlight();
    try (ThreadBudget.Share alone = ThreadBudget.enter(2)) {
      assertEquals(2, ThreadBudget.threadsOfThisThread());
      assertEquals(2, JniUtils.getNumThreads(), "PyTorch's setting of this thread");
      // A second image starts on another thread: it gets half, and so does this one at its next forward pass.
      CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> {
        try (ThreadBudget.Share second = ThreadBudget.enter(2)) {
          return JniUtils.getNumThreads();
        }
      });
      assertEquals(1, other.get(60, TimeUnit.SECONDS));
    }
    assertEquals(before, ThreadBudget.inFlight());
    try (ThreadBudget.Share a = ThreadBudget.enter(2)) {
      CompletableFuture<Void> held = new CompletableFuture<>();
      CompletableFuture<Void> done = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try (ThreadBudget.Share b = ThreadBudget.enter(2)) {
          held.complete(null);
          done.join();
        }
      });
      t.start();
      held.get(60, TimeUnit.SECONDS);
      ThreadBudget.rebalance();
      assertEquals(1, JniUtils.getNumThreads(), "two images in flight on 2 cores: one thread each");
      done.complete(null);
      t.join(60_000);
      ThreadBudget.rebalance();
      assertEquals(2, JniUtils.getNumThreads(), "alone again: both cores");
    }
  }

  @Test
  void aTaskBetweenTwoImagesKeepsItsShareOfTheCores() throws Exception {
    DjlRuntime.configure(1);
    int tasksBefore = awaitNoPredictingTask();
    ThreadBudget.Share otherTask = ThreadBudget.task();
    try (ThreadBudget.Share thisTask = ThreadBudget.task();
         ThreadBudget.Share image = ThreadBudget.enter(2)) {
      // The other task is decoding its next image (no image of its own in flight): it still has its half.
      assertEquals(1, JniUtils.getNumThreads(), "two predicting tasks on 2 cores: one thread each");
      otherTask.close();
      otherTask.close(); // a second close gives nothing back twice
      assertEquals(tasksBefore + 1, ThreadBudget.predictingTasks());
      ThreadBudget.rebalance();
      assertEquals(2, JniUtils.getNumThreads(), "the other task ended: this one, the stage's last, takes both");
    } finally {
      otherTask.close();
    }
    assertEquals(tasksBefore, ThreadBudget.predictingTasks());
  }

  @Test
  void aSegmenterCountsAsOnePredictingTaskFromItsFirstImageToItsClose() throws Exception {
    String model = dev.segeval.spark.Fixtures.resource("/models/conv19.pt").toString();
    InferenceOptions options = new InferenceOptions(model, new ProtocolSettings(new double[] {1.0}, FlipMode.NONE,
        33, 49, 64, 2.0 / 3, 1), "cpu", 0, 1 << 24, null, false);
    int before = ThreadBudget.predictingTasks();
    dev.segeval.imaging.RgbImage image = new dev.segeval.imaging.RgbImage(49, 33, new int[49 * 33]);
    ImageSegmenter segmenter = new ImageSegmenter(options, new org.apache.hadoop.conf.Configuration(),
        new dev.segeval.scoring.PredictionSource.TaskResources(2, null));
    try {
      assertEquals(before, ThreadBudget.predictingTasks(), "no image yet");
      // The model's first passes choose how its images share the cores (a light model: side by side); the task
      // counts from its first image after that.
      for (int i = 0; i < ThreadBudget.MEASURED_PASSES + 2; i++) {
        segmenter.segment(image, "image " + i);
      }
      assertEquals(ThreadBudget.Mode.SIDE_BY_SIDE, segmenter.model().sharingMode());
      assertEquals(before + 1, ThreadBudget.predictingTasks(), "one task, however many images");
    } finally {
      segmenter.close();
    }
    segmenter.close();
    assertEquals(before, ThreadBudget.predictingTasks());
    segmenter.segment(image, "after close");
    assertEquals(before, ThreadBudget.predictingTasks(), "a closed segmenter takes no share again");
  }

  @Test
  void heavyModelsTakeTurnsWithEveryCore() throws Exception {
    DjlRuntime.configure(1);
    ThreadBudget.Policy policy = new ThreadBudget.Policy("test model", ThreadBudget.Mode.TURNS);
    CompletableFuture<Void> secondStarted = new CompletableFuture<>();
    Thread second;
    try (ThreadBudget.Share first = policy.image(2)) {
      assertEquals(2, JniUtils.getNumThreads(), "its turn: every core");
      second = new Thread(() -> {
        try (ThreadBudget.Share s = policy.image(2)) {
          secondStarted.complete(null);
          assertEquals(2, JniUtils.getNumThreads());
        }
      });
      second.start();
      // The second image waits for the turn while this one holds it.
      org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.TimeoutException.class,
          () -> secondStarted.get(300, TimeUnit.MILLISECONDS));
      assertEquals(1, policy.forward(1, () -> 1), "a forward pass inside the turn runs");
    }
    secondStarted.get(60, TimeUnit.SECONDS);
    second.join(60_000);
  }

  @Test
  void theSecondForwardPassChoosesTheMode() throws Exception {
    DjlRuntime.configure(1);
    ThreadBudget.Policy light = new ThreadBudget.Policy("light");
    try (ThreadBudget.Share s = light.image(2)) {
      light.forward(4, () -> 0);
      assertEquals(ThreadBudget.Mode.MEASURING, light.mode(), "the first pass carries TorchScript's profiling");
      light.forward(4, () -> 0);
    }
    assertEquals(ThreadBudget.Mode.SIDE_BY_SIDE, light.mode());
    // Side by side, an image no longer waits for a turn: two at once share the cores.
    try (ThreadBudget.Share a = light.image(2)) {
      CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> {
        try (ThreadBudget.Share b = light.image(2)) {
          return JniUtils.getNumThreads();
        }
      });
      assertEquals(1, other.get(60, TimeUnit.SECONDS));
    }

    ThreadBudget.Policy heavy = new ThreadBudget.Policy("heavy");
    long pause = (long) (ThreadBudget.TURNS_SECONDS_PER_CROP * 1000) + 50;
    try (ThreadBudget.Share s = heavy.image(2)) {
      for (int i = 0; i < ThreadBudget.MEASURED_PASSES; i++) {
        heavy.forward(1, () -> {
          try {
            Thread.sleep(pause);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return 0;
        });
      }
    }
    assertEquals(ThreadBudget.Mode.TURNS, heavy.mode());
  }
}
