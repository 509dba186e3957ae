package dev.segeval.inference;

import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shares an executor JVM's cores among the images being predicted at this moment. PyTorch's intra-op thread count
 * is a per-thread setting (OpenMP's, set through {@code at::set_num_threads}): each task thread sets its own before
 * each forward pass, to the JVM's cores divided by the images in flight. So one image alone (a single full-size
 * image, the last partition of a run, more cores than partitions) uses every core, and two images at once use half
 * each instead of oversubscribing. Measured on 2 cores with a ResNet-50 PSPNet window of 473 x 473: 3.4 s per
 * forward on 1 thread, 1.8 s on 2; a thread's setting does not change another thread's.
 *
 * <p>Used only when the user gave no {@code --intra-op-threads} and the model runs on the CPU.
 */
final class ThreadBudget {
  private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
  /** Per task thread: {cores of the JVM while it predicts an image (0: not managed), threads last set}. */
  private static final ThreadLocal<int[]> STATE = ThreadLocal.withInitial(() -> new int[2]);

  private ThreadBudget() {
  }

  /** An image's claim on the cores; closing it gives them back. */
  interface Share extends AutoCloseable {
    @Override
    void close();
  }

  /** An image starts on this thread: it takes its share of {@code cores} until the returned handle closes. */
  static Share enter(int cores) {
    IN_FLIGHT.incrementAndGet();
    int[] state = STATE.get();
    state[0] = Math.max(1, cores);
    rebalance();
    return () -> {
      state[0] = 0;
      IN_FLIGHT.decrementAndGet();
    };
  }

  /** Before a forward pass: this thread's share of the cores now, if it changed since the last pass. */
  static void rebalance() {
    int[] state = STATE.get();
    if (state[0] == 0) {
      return;
    }
    int threads = Math.max(1, state[0] / Math.max(1, IN_FLIGHT.get()));
    if (threads != state[1]) {
      JniUtils.setNumThreads(threads);
      state[1] = threads;
    }
  }

  /** Images being predicted in this JVM now (tests). */
  static int inFlight() {
    return IN_FLIGHT.get();
  }

  /** The threads this thread last set, or 0 (tests). */
  static int threadsOfThisThread() {
    return STATE.get()[1];
  }
}
