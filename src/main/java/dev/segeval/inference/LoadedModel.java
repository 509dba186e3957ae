package dev.segeval.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.segeval.datasets.HadoopPaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A TorchScript segmentation model loaded once per JVM and device. Forward passes are safe from several task
 * threads at once (TorchScript modules are immutable at inference); every caller brings its own
 * {@link NDManager} scope so that native memory is freed per request.
 *
 * <p>Contract of the model file: input a float tensor N x 3 x H x W (RGB normalised with the ImageNet mean and
 * std on the 0-255 scale), output N x C x H' x W' logits; H' x W' is normally H x W (see notebooks/pspnet).
 */
public final class LoadedModel implements AutoCloseable {
  private final String uri;
  private final Device device;
  private final Model model;
  private final String sha256;
  private final ThreadBudget.Policy sharing;
  private volatile int numClasses = -1;

  private LoadedModel(String uri, Device device, Model model, String sha256) {
    this.uri = uri;
    this.device = device;
    this.model = model;
    this.sha256 = sha256;
    this.sharing = new ThreadBudget.Policy("model " + HadoopPaths.redact(uri));
  }

  /** Loads a local TorchScript file (.pt) on the device. */
  static LoadedModel load(String uri, Path localFile, Device device) throws IOException {
    Path dir = localFile.toAbsolutePath().getParent();
    String name = localFile.getFileName().toString();
    if (!name.endsWith(".pt")) {
      throw new ModelLoadException("Cannot load model " + uri + ": the local copy must end in .pt, got " + localFile);
    }
    Model model = Model.newInstance("segeval-" + name, device, "PyTorch");
    try {
      // mapLocation: a model saved on a GPU loads on the CPU too.
      model.load(dir, name.substring(0, name.length() - 3), Map.of("mapLocation", "true"));
    } catch (MalformedModelException | RuntimeException e) {
      model.close();
      throw new ModelLoadException("Cannot load model " + uri + ": not a TorchScript file DJL's PyTorch engine can read ("
          + e.getMessage() + "); export it with notebooks/pspnet/export.py", e);
    }
    return new LoadedModel(uri, device, model, sha256(localFile));
  }

  /** SHA-256 of the model file, hex: what a run's fingerprint records of the model. */
  public String sha256() {
    return sha256;
  }

  private static String sha256(Path file) throws IOException {
    java.security.MessageDigest digest;
    try {
      digest = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
    byte[] buffer = new byte[1 << 16];
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    }
    return java.util.HexFormat.of().formatHex(digest.digest());
  }

  public String uri() {
    return uri;
  }

  public Device device() {
    return device;
  }

  /** A manager for one request's tensors, on the model's device; close it when the request ends. */
  public NDManager newRequestManager() {
    return model.getNDManager().newSubManager(device);
  }

  /** Runs the model in full precision; the output is attached to the input's manager. */
  public NDArray forward(NDArray input) {
    return forward(input, Precision.FP32);
  }

  /** Runs the model in the given precision (see {@link #checkPrecision}); float32 in, float32 logits out. */
  public NDArray forward(NDArray input, Precision precision) {
    NDArray logits = sharing.forward((int) input.getShape().get(0), () -> run(input, precision));
    logits.attach(input.getManager());
    return logits;
  }

  /** How this model's images share the JVM's cores (see {@link ThreadBudget}). */
  ThreadBudget.Mode sharingMode() {
    return sharing.mode();
  }

  /** An image predicted with this model starts on this thread: its claim on the JVM's {@code cores}. */
  ThreadBudget.Share shareCores(int cores) {
    return sharing.image(cores);
  }

  private NDArray run(NDArray input, Precision precision) {
    NDArray logits;
    if (precision == Precision.FP32) {
      NDList out = model.getBlock().forward(new ParameterStore(input.getManager(), false), new NDList(input), false);
      logits = out.singletonOrThrow();
    } else {
      PtSymbolBlock block = (PtSymbolBlock) model.getBlock();
      try (IValue in = IValue.from((PtNDArray) input);
           IValue out = IValueUtils.runMethod(block, precision.method(), in)) {
        logits = out.toTensor((PtNDManager) input.getManager());
      }
    }
    return logits;
  }

  /**
   * Checks, before any image, that the model file has a forward method for this precision and that the device
   * suits it.
   *
   * @throws ModelLoadException naming the model and the way to export a variant
   */
  public void checkPrecision(Precision precision) throws ModelLoadException {
    if (precision == Precision.FP32) {
      return;
    }
    if (precision == Precision.FP16 && !device.isGpu()) {
      throw new ModelLoadException("Cannot run model " + uri + " in fp16 on the CPU: use --precision bf16 there");
    }
    String[] methods = JniUtils.getMethodNames((PtSymbolBlock) model.getBlock());
    if (!java.util.Arrays.asList(methods).contains(precision.method())) {
      throw new ModelLoadException(String.format(Locale.ROOT, "Cannot run model %s in %s: the TorchScript file has "
          + "no method %s (it has %s); export it with notebooks/pspnet/export.py --precisions fp32,%s, which adds "
          + "a %s trace of the same weights", uri, precision, precision.method(), String.join(", ", methods),
          precision, precision));
    }
    requireAgreement(precision);
  }

  /** Largest difference of reduced-precision logits from float32, as a fraction of the logits' largest value. */
  static final double MAX_REDUCED_PRECISION_ERROR = 0.05;

  /**
   * Runs both precisions on one fixed probe image and refuses the reduced one when its logits stray from float32
   * by more than {@link #MAX_REDUCED_PRECISION_ERROR} of their range. Reduced-precision kernels differ by CPU and
   * PyTorch build: on a CPU with AVX512-BF16, libtorch 2.7.1's bf16 path gave logits 40-50 % off float32 for a
   * small test model that Debian's torch 1.13 runs 0.4 % off on the same machine. Such a run would report a
   * different mIoU without any image failing, so it stops here instead.
   */
  private void requireAgreement(Precision precision) throws ModelLoadException {
    double maxAbs = 0;
    double maxDiff = 0;
    try (NDManager m = newRequestManager()) {
      // A smooth, deterministic pattern in [-2, 2]: the same probe on every machine.
      float[] pixels = new float[3 * 65 * 65];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) (2 * Math.sin(0.37 * i + 0.11 * (i / 65)));
      }
      NDArray probe = m.create(pixels, new Shape(1, 3, 65, 65));
      float[] full = forward(probe, Precision.FP32).toFloatArray();
      float[] reduced = forward(probe, precision).toFloatArray();
      for (int i = 0; i < full.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(full[i]));
        maxDiff = Math.max(maxDiff, Math.abs(full[i] - reduced[i]));
      }
    }
    if (!(maxDiff <= MAX_REDUCED_PRECISION_ERROR * maxAbs)) {
      throw new ModelLoadException(String.format(Locale.ROOT, "Cannot run model %s in %s on this machine: on a "
          + "probe image its %s logits differ from float32 by %.1f %% of their range (at most %.0f %% expected "
          + "from rounding), so PyTorch's %s kernels for this %s disagree with float32; run with --precision fp32",
          uri, precision, precision, 100 * maxDiff / maxAbs, 100 * MAX_REDUCED_PRECISION_ERROR, precision,
          device.isGpu() ? "GPU" : "CPU"));
    }
  }

  /**
   * The number of output channels, found by one forward pass on a small input; validated against the dataset
   * before a job starts, so a model for another dataset fails fast with both numbers in the message.
   */
  public int numClasses() throws ModelLoadException {
    if (numClasses < 0) {
      Shape shape;
      try (NDManager m = newRequestManager()) {
        shape = forward(m.zeros(new Shape(1, 3, 65, 65))).getShape();
      } catch (RuntimeException e) {
        // The model itself rejects the contract input (another input shape, a dict or tuple output): the
        // user's model file is unusable here, not a bug of this tool.
        throw new ModelLoadException(String.format(Locale.ROOT, "Cannot use model %s: a forward pass on a 1 x 3 x "
            + "65 x 65 input failed (%s); export it to take N x 3 x H x W and return one N x C x H x W tensor of "
            + "logits (notebooks/pspnet)", uri, e.getMessage() == null ? e.getClass().getSimpleName()
            : e.getMessage().lines().findFirst().orElse("")), e);
      }
      if (shape.dimension() != 4) {
        throw new ModelLoadException(String.format(Locale.ROOT,
            "Cannot use model %s: it returns a tensor of shape %s; N x C x H x W logits are expected", uri, shape));
      }
      numClasses = (int) shape.get(1);
    }
    return numClasses;
  }

  @Override
  public void close() {
    model.close();
  }
}
