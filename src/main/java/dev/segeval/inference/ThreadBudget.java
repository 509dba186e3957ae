package dev.segeval.inference;

import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares an executor JVM's cores among the images being predicted at this moment, in one of two ways chosen per
 * model from its measured forward time:
 *
 * <ul>
 *   <li><b>turns</b> (heavy models): images take turns at the model, each on every core of the JVM, while the
 *       other task threads read, decode, score and write around them. The turn covers the whole image, not one
 *       forward pass: softmax, flip merge and resampling of 150-class probability maps are memory-bound tensor
 *       work that slowed another image's forward pass down when overlapped with it. A ResNet-50 PSPNet window of 473 x 473
 *       on 2 cores takes 3.4 s on 1 thread and 1.8 s on 2 (94 % parallel efficiency), and two windows side by
 *       side on one thread each double the activations in memory: four 512 x 256 ADE20K images scored in
 *       27.4 s with one task x 2 threads against 30.2 s with two tasks x 1 thread, peak RSS 2.6 GB against
 *       4.1 GB (benchmark-results/inference-threads.md).</li>
 *   <li><b>side by side</b> (light models): each image's thread gets the JVM's cores divided by the tasks that
 *       are predicting images (or by the images in flight, when more), so the last task of a stage uses every core
 *       and two running tasks use half each. Small layers do not parallelise well within an operator, so several
 *       images at once win. The count is of tasks, not only of images inside a forward pass: a task that is
 *       reading, decoding or scoring between two images comes back within milliseconds, and an image that took
 *       every core meanwhile ran its whole forward pass with two OpenMP threads beside the other task's one
 *       (three threads on two cores). On the demo model's 480 images here the difference was within noise
 *       (scoring 17.2-19.9 s counting images, 17.4-19.0 s counting tasks, 17.7-17.9 s with one thread each),
 *       but the count no longer flips between one and two threads from one image to the next.</li>
 * </ul>
 *
 * <p>Each model starts in turns; its {@value #MEASURED_PASSES}th forward pass (the first carries TorchScript's
 * profiling run) decides: at least {@value #TURNS_SECONDS_PER_CROP} s per crop on all cores keeps turns, less
 * switches to side by side. PyTorch's intra-op thread count is a per-thread setting (OpenMP's, through
 * {@code at::set_num_threads}), so each task thread sets its own before each forward pass.
 *
 * <p>Used only when the user gave no {@code --intra-op-threads} and the model runs on the CPU.
 */
final class ThreadBudget {
  /** A crop slower than this on all cores is made of operators large enough to use every core well. */
  static final double TURNS_SECONDS_PER_CROP = 0.2;
  static final int MEASURED_PASSES = 2;

  private static final Logger LOG = LoggerFactory.getLogger(ThreadBudget.class);
  private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
  /** Tasks in this JVM holding a predictor that shares the cores, from its first image to its close. */
  private static final AtomicInteger PREDICTING_TASKS = new AtomicInteger();
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

  /**
   * A task starts predicting images side by side with the other tasks of this JVM: until the returned handle
   * closes (once; later closes do nothing), it counts among those that share the cores, between its images too.
   */
  static Share task() {
    PREDICTING_TASKS.incrementAndGet();
    java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
    return () -> {
      if (open.compareAndSet(true, false)) {
        PREDICTING_TASKS.decrementAndGet();
      }
    };
  }

  /** Before a forward pass side by side: this thread's share of the cores now, if it changed since the last. */
  static void rebalance() {
    int[] state = STATE.get();
    if (state[0] == 0) {
      return;
    }
    int sharing = Math.max(1, Math.max(IN_FLIGHT.get(), PREDICTING_TASKS.get()));
    setThreads(state, Math.max(1, state[0] / sharing));
  }

  /** Tasks counted as predicting now (tests). */
  static int predictingTasks() {
    return PREDICTING_TASKS.get();
  }

  private static void setThreads(int[] state, int threads) {
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

  /** How one model's images share the cores. */
  enum Mode {
    /** Still measuring: images take turns meanwhile. */
    MEASURING, TURNS, SIDE_BY_SIDE
  }

  /** One per loaded model: its mode and the turn of its images. */
  static final class Policy {
    private final String model;
    private final ReentrantLock turn = new ReentrantLock(true); // fair: images take turns in arrival order
    private volatile Mode mode;
    private int passes; // guarded by turn

    Policy(String model) {
      this(model, Mode.MEASURING);
    }

    /** A policy with its mode already chosen (tests). */
    Policy(String model, Mode mode) {
      this.model = model;
      this.mode = mode;
    }

    Mode mode() {
      return mode;
    }

    /**
     * An image starts on this thread: in turns, it waits for its turn and then has every one of {@code cores};
     * side by side, it takes its share of them. Closing the handle ends the image's claim.
     */
    Share image(int cores) {
      if (mode != Mode.SIDE_BY_SIDE) {
        turn.lock();
        if (mode != Mode.SIDE_BY_SIDE) {
          int[] state = STATE.get();
          state[0] = Math.max(1, cores);
          setThreads(state, state[0]);
          return () -> {
            state[0] = 0;
            turn.unlock();
          };
        }
        turn.unlock(); // the measurement chose side by side while this image waited
      }
      return enter(cores);
    }

    /**
     * Runs one forward pass of {@code crops} crops: side by side with this thread's share of the cores now, in
     * turns with every core (the image holds the turn). Outside an image's claim (explicit --intra-op-threads,
     * GPU, benchmarks of the bare model) the pass runs as it is.
     */
    <T> T forward(int crops, Supplier<T> pass) {
      if (!turn.isHeldByCurrentThread()) {
        rebalance();
        return pass.get();
      }
      long start = System.nanoTime();
      T out = pass.get();
      if (mode == Mode.MEASURING && ++passes == MEASURED_PASSES) {
        decide((System.nanoTime() - start) / 1e9 / Math.max(1, crops), STATE.get()[0]);
      }
      return out;
    }

    private void decide(double secondsPerCrop, int cores) {
      mode = secondsPerCrop >= TURNS_SECONDS_PER_CROP ? Mode.TURNS : Mode.SIDE_BY_SIDE;
      LOG.info(String.format(Locale.ROOT, "%s: %.3f s per crop on %d threads: %s", model, secondsPerCrop, cores,
          mode == Mode.TURNS ? "images take turns, each on every core" : "images predict side by side, "
              + "sharing the cores"));
    }
  }
}
