package dev.segeval.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cores are shared among the images in flight, per task thread, as PyTorch's own per-thread setting. */
class ThreadBudgetTest {
  @Test
  void oneImageTakesEveryCoreAndTwoShareThem() throws Exception {
    DjlRuntime.configure(1);
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
}
