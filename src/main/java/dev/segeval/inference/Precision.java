package dev.segeval.inference;

import dev.segeval.InvalidSettingException;
import java.util.Locale;

/**
 * The numeric precision of the model's forward pass. Reduced precision is opt-in and comes from the model file
 * itself: {@code notebooks/pspnet/export.py} traces the network a second time under PyTorch's autocast (bf16 on
 * the CPU; fp16 on a GPU when exported on one) and saves that trace as an extra method of the same TorchScript
 * module, sharing the weights. DJL's engine has no autocast of its own, and a TorchScript module's weights cannot
 * change type in place through DJL, so this is the way a reduced-precision graph reaches the executors with
 * one model file. Inputs and outputs stay float32; only the network's inside runs in the reduced type.
 */
public enum Precision {
  FP32("fp32", "forward"),
  BF16("bf16", "forward_bf16"),
  FP16("fp16", "forward_fp16");

  private final String cliName;
  private final String method;

  Precision(String cliName, String method) {
    this.cliName = cliName;
    this.method = method;
  }

  public String cliName() {
    return cliName;
  }

  /** The TorchScript method that runs the network in this precision. */
  public String method() {
    return method;
  }

  public static Precision parse(String value) {
    for (Precision p : values()) {
      if (p.cliName.equals(value == null ? "" : value.toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new InvalidSettingException("Cannot use --precision '" + value + "': expected fp32, bf16 or fp16");
  }

  @Override
  public String toString() {
    return cliName;
  }
}
