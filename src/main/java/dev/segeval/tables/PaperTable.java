package dev.segeval.tables;

import dev.segeval.InvalidSettingException;
import dev.segeval.datasets.DatasetLayouts;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.metrics.AbsentClassPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A published results table as data ({@code conf/tables/*.csv}): per row the dataset, split, method, backbone,
 * test protocol, the numbers as reported (fractions; empty when not reported) and a model key that a separate
 * models file maps to a TorchScript file. Comment lines {@code # title: ...} and {@code # source: ...} name the
 * table. Validated when read: every error names the file, the row and the column.
 */
public record PaperTable(String name, String title, String source, List<Row> rows) {

  /** Reported numbers, as fractions; NaN where the source does not report them. */
  public record Reported(double miou, double pixelAccuracy, double meanAccuracy, double iiou) {
  }

  /**
   * One row.
   *
   * @param protocol null when the row gives no protocol (a method of another paper: never run here)
   * @param model    model key, or null
   */
  public record Row(String key, String table, String dataset, String split, String method, String backbone,
                    ProtocolSettings protocol, Reported reported, String model, AbsentClassPolicy absentClasses) {

    /** Splits whose ground truth is private: scored only by the benchmark's server. */
    public boolean testServer() {
      return split.equalsIgnoreCase("test");
    }
  }

  public static final List<String> HEADER = List.of("row", "table", "dataset", "split", "method", "backbone",
      "scales", "flip", "crop", "base_size", "miou", "pixel_accuracy", "mean_accuracy", "iiou", "model",
      "absent_classes");

  public static PaperTable read(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new InvalidSettingException("Cannot read table " + file + ": the file does not exist", e);
    }
    String name = file.getFileName().toString().replaceFirst("\\.csv$", "");
    String title = name;
    String source = "";
    List<String> header = null;
    List<Row> rows = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String c = line.substring(1).strip();
        if (c.startsWith("title:")) {
          title = c.substring(6).strip();
        } else if (c.startsWith("source:")) {
          source = c.substring(7).strip();
        }
        continue;
      }
      String[] f = line.split(",", -1);
      if (header == null) {
        header = Arrays.stream(f).map(String::strip).toList();
        if (!header.equals(HEADER)) {
          throw new InvalidSettingException("Cannot read table " + file + ": the header must be "
              + String.join(",", HEADER));
        }
        continue;
      }
      String where = String.format(Locale.ROOT, "table %s, line %d", file, n + 1);
      if (f.length != HEADER.size()) {
        throw new InvalidSettingException(String.format(Locale.ROOT, "Cannot read %s: %d fields, the header has %d",
            where, f.length, HEADER.size()));
      }
      Map<String, String> v = new HashMap<>();
      for (int i = 0; i < f.length; i++) {
        v.put(HEADER.get(i), f[i].strip());
      }
      String key = v.get("row");
      if (!key.matches("[A-Za-z0-9._-]+") || !keys.add(key)) {
        throw new InvalidSettingException("Cannot read " + where + ": row key '" + key + "' is invalid or repeated");
      }
      try {
        DatasetLayouts.forName(v.get("dataset"));
      } catch (InvalidSettingException e) {
        throw new InvalidSettingException("Cannot read " + where + ": " + e.getMessage(), e);
      }
      rows.add(new Row(key, v.get("table"), v.get("dataset"), v.get("split"), v.get("method"), v.get("backbone"),
          protocol(v, where), new Reported(fraction(v, "miou", where), fraction(v, "pixel_accuracy", where),
          fraction(v, "mean_accuracy", where), fraction(v, "iiou", where)),
          v.get("model").isEmpty() ? null : v.get("model"),
          v.get("absent_classes").isEmpty() ? AbsentClassPolicy.EXCLUDE : AbsentClassPolicy.parse(
              v.get("absent_classes"))));
    }
    if (rows.isEmpty()) {
      throw new InvalidSettingException("Cannot read table " + file + ": it has no row");
    }
    return new PaperTable(name, title, source, List.copyOf(rows));
  }

  private static ProtocolSettings protocol(Map<String, String> v, String where) {
    if (v.get("scales").isEmpty()) {
      return null;
    }
    try {
      double[] scales = Arrays.stream(v.get("scales").split("\\s+")).mapToDouble(Double::parseDouble).toArray();
      ProtocolSettings d = ProtocolSettings.defaults(v.get("dataset"));
      int[] crop = v.get("crop").isEmpty() ? new int[] {d.cropHeight(), d.cropWidth()}
          : ProtocolSettings.parseCrop(v.get("crop"));
      int base = v.get("base_size").isEmpty() ? d.baseSize() : Integer.parseInt(v.get("base_size"));
      FlipMode flip = v.get("flip").isEmpty() ? d.flip() : FlipMode.parse(v.get("flip"));
      return new ProtocolSettings(scales, flip, crop[0], crop[1], base, d.strideRate(), d.batchSize());
    } catch (NumberFormatException e) {
      throw new InvalidSettingException("Cannot read " + where + ": bad protocol (" + e.getMessage() + ")", e);
    } catch (InvalidSettingException e) {
      throw new InvalidSettingException("Cannot read " + where + ": " + e.getMessage(), e);
    }
  }

  private static double fraction(Map<String, String> v, String column, String where) {
    String s = v.get(column);
    if (s.isEmpty()) {
      return Double.NaN;
    }
    try {
      double d = Double.parseDouble(s);
      if (!(d >= 0 && d <= 1)) {
        throw new NumberFormatException("outside 0..1");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new InvalidSettingException("Cannot read " + where + ": column " + column + " must be a fraction in "
          + "0..1 (29.39 % is 0.2939), got '" + s + "'", e);
    }
  }

  /** Model keys to URIs, from a properties file. */
  public static Map<String, String> models(Path file) throws IOException {
    java.util.Properties p = new java.util.Properties();
    try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new InvalidSettingException("Cannot read --models " + file + ": the file does not exist", e);
    }
    Map<String, String> out = new HashMap<>();
    for (String k : p.stringPropertyNames()) {
      out.put(k, p.getProperty(k).strip());
    }
    return out;
  }
}
