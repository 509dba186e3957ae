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
 * (of the .pt), {@code normalisation.mean} / {@code .std} (RGB on the 0-255 scale).
 */
public record ModelCard(String uri, String dataset, int classes, String sha256, double[] mean, double[] std) {

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
        n.path("sha256").asText(null), doubles(n.at("/normalisation/mean")), doubles(n.at("/normalisation/std"))));
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
   * @throws ModelLoadException naming the card, the field and both values when the card contradicts the run
   */
  public void check(String runDataset, int runClasses, String modelSha256) throws ModelLoadException {
    String card = HadoopPaths.redact(uri);
    if (sha256 != null && !sha256.equalsIgnoreCase(modelSha256)) {
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
