package dev.segeval.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.datasets.HadoopPaths;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * The model card next to a TorchScript file ({@code model.pt} → {@code model.json}): what the model was exported
 * for. When present it is checked before any image is scored, so that a model of another dataset, a card of
 * another file, or a model that expects another input normalisation fails with both values named instead of
 * producing numbers that look plausible. Keys read: {@code dataset} (optional), {@code classes}, {@code sha256}
 * (of the .pt), {@code normalisation.mean} / {@code .std} (RGB on the 0-255 scale), and {@code protocol} (optional:
 * {@code scales}, {@code flip}, {@code crop} as [height, width], {@code base_size}, {@code stride_rate}), the test
 * protocol the model was published with; {@code evaluate --model} takes it as its defaults.
 * {@code notebooks/pspnet/export.py} writes cards.
 *
 * @param protocol the card's protocol, or null when it has none
 */
public record ModelCard(String uri, String dataset, int classes, String sha256, double[] mean, double[] std,
                        CardProtocol protocol) {

  /**
   * The protocol keys of a card; a null field was not given.
   */
  public record CardProtocol(double[] scales, FlipMode flip, int[] crop, Integer baseSize, Double strideRate) {
    /** The settings with every field the card gives replacing the fallback's. */
    public ProtocolSettings over(ProtocolSettings fallback) {
      return new ProtocolSettings(scales != null ? scales : fallback.scales(), flip != null ? flip : fallback.flip(),
          crop != null ? crop[0] : fallback.cropHeight(), crop != null ? crop[1] : fallback.cropWidth(),
          baseSize != null ? baseSize : fallback.baseSize(), strideRate != null ? strideRate : fallback.strideRate(),
          fallback.batchSize());
    }

    /** The card's values, e.g. "scales [1.0], flip average, crop 713x713, base size 2048". */
    public String describe() {
      java.util.List<String> parts = new java.util.ArrayList<>();
      if (scales != null) {
        parts.add("scales " + java.util.Arrays.toString(scales));
      }
      if (flip != null) {
        parts.add("flip " + flip.cliName());
      }
      if (crop != null) {
        parts.add("crop " + crop[0] + "x" + crop[1]);
      }
      if (baseSize != null) {
        parts.add("base size " + baseSize);
      }
      if (strideRate != null) {
        parts.add(String.format(Locale.ROOT, "stride rate %.4f", strideRate));
      }
      return String.join(", ", parts);
    }
  }

  /** The card of a model file, if there is one next to it. */
  public static Optional<ModelCard> near(String modelUri, Configuration conf) throws IOException {
    String uri = (modelUri.endsWith(".pt") ? modelUri.substring(0, modelUri.length() - 3) : modelUri) + ".json";
    byte[] data;
    try {
      data = HadoopPaths.readAll(uri, conf);
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(data);
    } catch (IOException e) {
      throw new ModelLoadException("Cannot read model card " + HadoopPaths.redact(uri) + ": not JSON ("
          + e.getMessage().lines().findFirst().orElse("") + ")", e);
    }
    return Optional.of(new ModelCard(uri, n.path("dataset").asText(null), n.path("classes").asInt(-1),
        n.path("sha256").asText(null), doubles(n.at("/normalisation/mean")), doubles(n.at("/normalisation/std")),
        protocol(uri, n.get("protocol"))));
  }

  /** Reads and validates the card's protocol: a bad value names the card and the key. */
  static CardProtocol protocol(String uri, JsonNode p) throws ModelLoadException {
    if (p == null || p.isNull()) {
      return null;
    }
    String card = HadoopPaths.redact(uri);
    if (!p.isObject()) {
      throw new ModelLoadException("Cannot read model card " + card + ": 'protocol' must be an object");
    }
    for (java.util.Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!java.util.Set.of("scales", "flip", "crop", "base_size", "stride_rate").contains(key)) {
        throw new ModelLoadException("Cannot read model card " + card + ": unknown key 'protocol." + key + "' "
            + "(expected scales, flip, crop, base_size or stride_rate)");
      }
    }
    double[] scales = p.has("scales") ? numbers(card, "scales", p.get("scales"), 1, 16) : null;
    FlipMode flip = null;
    if (p.has("flip")) {
      try {
        flip = FlipMode.parse(p.get("flip").asText());
      } catch (dev.segeval.InvalidSettingException e) {
        throw new ModelLoadException("Cannot read model card " + card + ": 'protocol.flip' " + p.get("flip")
            + " is not one of none, average, caffe", e);
      }
    }
    int[] crop = null;
    if (p.has("crop")) {
      double[] c = numbers(card, "crop", p.get("crop"), 2, 2);
      crop = new int[] {(int) c[0], (int) c[1]};
    }
    Integer baseSize = p.has("base_size") ? (int) numbers(card, "base_size", p.get("base_size"), 0, 0)[0] : null;
    Double strideRate = p.has("stride_rate") ? numbers(card, "stride_rate", p.get("stride_rate"), 0, 0)[0] : null;
    CardProtocol protocol = new CardProtocol(scales, flip, crop, baseSize, strideRate);
    try {
      protocol.over(ProtocolSettings.defaults("cityscapes"));
    } catch (dev.segeval.InvalidSettingException e) {
      throw new ModelLoadException("Cannot use model card " + card + ": its protocol is invalid: " + e.getMessage(),
          e);
    }
    return protocol;
  }

  private static boolean wholeNumber(JsonNode v) {
    double d = v.asDouble();
    return d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE;
  }

  /** A number (arity 0) or an array of min..max numbers; integers where the key needs them. */
  private static double[] numbers(String card, String key, JsonNode v, int min, int max) throws ModelLoadException {
    boolean whole = key.equals("crop") || key.equals("base_size");
    if (max == 0) {
      if (!v.isNumber() || whole && !wholeNumber(v)) {
        throw new ModelLoadException("Cannot read model card " + card + ": 'protocol." + key + "' must be a "
            + (whole ? "whole number" : "number") + ", not " + v);
      }
      return new double[] {v.asDouble()};
    }
    if (!v.isArray() || v.size() < min || v.size() > max) {
      throw new ModelLoadException("Cannot read model card " + card + ": 'protocol." + key + "' must be an array of "
          + (min == max ? String.valueOf(min) : min + " to " + max) + " numbers, not " + v);
    }
    double[] out = new double[v.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode e = v.get(i);
      if (!e.isNumber() || whole && !wholeNumber(e)) {
        throw new ModelLoadException("Cannot read model card " + card + ": 'protocol." + key + "' must hold "
            + (whole ? "whole numbers" : "numbers") + ", not " + v);
      }
      out[i] = e.asDouble();
    }
    return out;
  }

  private static double[] doubles(JsonNode a) {
    if (!a.isArray()) {
      return null;
    }
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asDouble();
    }
    return out;
  }

  /**
   * @param modelSha256 of the model file, or null to check the dataset, classes and normalisation only
   * @throws ModelLoadException naming the card, the field and both values when the card contradicts the run
   */
  public void check(String runDataset, int runClasses, String modelSha256) throws ModelLoadException {
    String card = HadoopPaths.redact(uri);
    if (sha256 != null && modelSha256 != null && !sha256.equalsIgnoreCase(modelSha256)) {
      throw new ModelLoadException(String.format(Locale.ROOT, "Cannot use model card %s: it describes a file with "
          + "SHA-256 %s, but the model file has %s; the card belongs to another export", card, sha256, modelSha256));
    }
    if (dataset != null && !dataset.equalsIgnoreCase(runDataset)) {
      throw new ModelLoadException(String.format(Locale.ROOT, "Cannot evaluate dataset '%s' with this model: its "
          + "card %s says it was trained for '%s'", runDataset, card, dataset));
    }
    if (classes >= 0 && classes != runClasses) {
      throw new ModelLoadException(String.format(Locale.ROOT, "Cannot evaluate with this model: its card %s says "
          + "%d classes, dataset '%s' has %d", card, classes, runDataset, runClasses));
    }
    double[] expectedMean = {123.675, 116.28, 103.53};
    double[] expectedStd = {58.395, 57.12, 57.375};
    if (mean != null && !close(mean, expectedMean) || std != null && !close(std, expectedStd)) {
      throw new ModelLoadException(String.format(Locale.ROOT, "Cannot use this model: its card %s asks for "
          + "normalisation mean %s / std %s, but the protocol normalises RGB 0-255 with the ImageNet mean %s / std "
          + "%s (semseg); export the model for that input", card, java.util.Arrays.toString(mean),
          java.util.Arrays.toString(std), java.util.Arrays.toString(expectedMean),
          java.util.Arrays.toString(expectedStd)));
    }
  }

  private static boolean close(double[] a, double[] b) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - b[i]) > 1e-3) {
        return false;
      }
    }
    return true;
  }
}
