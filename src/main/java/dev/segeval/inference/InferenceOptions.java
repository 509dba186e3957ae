package dev.segeval.inference;

import dev.segeval.InvalidSettingException;
import java.io.Serializable;
import java.util.Locale;

/**
 * Everything an executor needs to run the model: shipped as a small spec, resolved to a cached model there.
 *
 * @param modelUri         TorchScript file, any Hadoop URI
 * @param protocol         the test protocol
 * @param device           "auto" (a GPU Spark assigned to the task, else CPU), "cpu", or "gpu"
 * @param intraOpThreads   PyTorch intra-op threads per executor JVM (0: PyTorch's default)
 * @param maxImagePixels   images above this many pixels fail instead of exhausting memory
 * @param savePredictions  where to write prediction PNGs (ids/ in the dataset's label ids, color/), or null
 * @param saveColor        also write colour PNGs
 * @param precision        the forward pass's precision (fp32 unless asked; see {@link Precision})
 */
public record InferenceOptions(String modelUri, ProtocolSettings protocol, String device, int intraOpThreads,
                               long maxImagePixels, String savePredictions, boolean saveColor, Precision precision)
    implements Serializable {

  /** Full precision. */
  public InferenceOptions(String modelUri, ProtocolSettings protocol, String device, int intraOpThreads,
                          long maxImagePixels, String savePredictions, boolean saveColor) {
    this(modelUri, protocol, device, intraOpThreads, maxImagePixels, savePredictions, saveColor, Precision.FP32);
  }

  public InferenceOptions {
    if (modelUri == null || modelUri.isBlank()) {
      throw new InvalidSettingException("Cannot run inference: --model is empty");
    }
    String d = device == null ? "auto" : device.toLowerCase(Locale.ROOT);
    if (!d.equals("auto") && !d.equals("cpu") && !d.equals("gpu")) {
      throw new InvalidSettingException("Cannot use --device '" + device + "': expected auto, cpu or gpu");
    }
    device = d;
    if (intraOpThreads < 0) {
      throw new InvalidSettingException("Cannot use --intra-op-threads " + intraOpThreads + ": must be 0 or more");
    }
    precision = precision == null ? Precision.FP32 : precision;
    if (precision == Precision.FP16 && d.equals("cpu")) {
      throw new InvalidSettingException("Cannot use --precision fp16 with --device cpu: PyTorch has no fp16 "
          + "kernels worth using on CPUs; use --precision bf16 there (or fp16 on a GPU)");
    }
    if (maxImagePixels < 1) {
      throw new InvalidSettingException("Cannot use --max-image-pixels " + maxImagePixels + ": must be positive");
    }
  }
}
