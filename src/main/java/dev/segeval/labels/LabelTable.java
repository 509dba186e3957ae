package dev.segeval.labels;

import dev.segeval.InvalidSettingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A dataset's labels table: the single source of truth from which every lookup (label id to class,
 * ignore sets, names, colours, categories, instance weights) is derived.
 *
 * <p>Tables are CSV files with the header {@code name,id,trainId,category,categoryId,hasInstances,ignoreInEval,r,g,b}.
 * Built-in tables live in {@code src/main/resources/labels/}; a custom dataset passes its own file in the
 * same format (only {@code name,id,trainId,ignoreInEval} are required there).
 *
 * <p>Evaluated classes are the labels with {@code ignoreInEval = false}; their train ids must be exactly
 * 0..C-1, which makes the train id the row index of the confusion matrix.
 */
public final class LabelTable implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Built-in tables, by dataset name. */
  public static final List<String> BUILT_IN = List.of("cityscapes", "ade20k", "voc2012");

  private final String name;
  private final List<Label> labels;
  private final List<Label> evaluated;
  private final Map<String, Double> averageInstanceSizes;

  private LabelTable(String name, List<Label> labels, Map<String, Double> averageInstanceSizes) {
    this.name = name;
    this.labels = List.copyOf(labels);
    this.averageInstanceSizes = Collections.unmodifiableMap(new LinkedHashMap<>(averageInstanceSizes));
    List<Label> eval = new ArrayList<>();
    for (Label l : labels) {
      if (!l.ignoreInEval()) {
        eval.add(l);
      }
    }
    eval.sort((a, b) -> Integer.compare(a.trainId(), b.trainId()));
    this.evaluated = List.copyOf(eval);
    validate();
  }

  /** Loads a built-in table ({@link #BUILT_IN}). */
  public static LabelTable builtIn(String dataset) {
    String key = dataset.toLowerCase(Locale.ROOT);
    if (key.equals("voc") || key.equals("pascal-voc")) {
      key = "voc2012";
    }
    if (!BUILT_IN.contains(key)) {
      throw new InvalidSettingException(String.format(Locale.ROOT,
          "Cannot find a labels table for dataset '%s': built-in tables are %s", dataset, BUILT_IN));
    }
    List<String> lines = resourceLines("labels/" + key + ".csv");
    Map<String, Double> sizes = Map.of();
    if (key.equals("cityscapes")) {
      sizes = parseInstanceSizes("labels/cityscapes-instance-sizes.csv",
          resourceLines("labels/cityscapes-instance-sizes.csv"));
    }
    return new LabelTable(key, parseLabels("labels/" + key + ".csv", lines), sizes);
  }

  /** Parses a custom table (same CSV format); {@code sourceName} is used in error messages. */
  public static LabelTable parse(String tableName, String sourceName, List<String> lines,
                                 Map<String, Double> averageInstanceSizes) {
    return new LabelTable(tableName, parseLabels(sourceName, lines), averageInstanceSizes);
  }

  public String name() {
    return name;
  }

  /** Every label in file order. */
  public List<Label> labels() {
    return labels;
  }

  /** Evaluated classes ordered by train id; position i has train id i. */
  public List<Label> evaluatedClasses() {
    return evaluated;
  }

  public int numClasses() {
    return evaluated.size();
  }

  /** The official average instance size per class and category name (Cityscapes iIoU weights). */
  public Map<String, Double> averageInstanceSizes() {
    return averageInstanceSizes;
  }

  public boolean hasInstanceClasses() {
    for (Label l : evaluated) {
      if (l.hasInstances()) {
        return true;
      }
    }
    return false;
  }

  public Label byId(int id) {
    for (Label l : labels) {
      if (l.id() == id) {
        return l;
      }
    }
    return null;
  }

  /** Largest non-negative label id; the size of id lookup tables is this plus one. */
  public int maxId() {
    int max = 0;
    for (Label l : labels) {
      max = Math.max(max, l.id());
    }
    return max;
  }

  private void validate() {
    if (evaluated.isEmpty()) {
      throw new InvalidSettingException("Cannot use labels table '" + name + "': it has no evaluated class");
    }
    Set<Integer> ids = new HashSet<>();
    Set<String> names = new HashSet<>();
    for (Label l : labels) {
      if (l.id() >= 0 && !ids.add(l.id())) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot use labels table '%s': label id %d appears twice", name, l.id()));
      }
      if (!names.add(l.name())) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot use labels table '%s': label name '%s' appears twice", name, l.name()));
      }
      if (l.id() > 65535) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot use labels table '%s': label id %d of '%s' does not fit a 16-bit PNG", name, l.id(), l.name()));
      }
    }
    for (int i = 0; i < evaluated.size(); i++) {
      Label l = evaluated.get(i);
      if (l.trainId() != i) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot use labels table '%s': evaluated classes must have train ids 0..%d, but '%s' has %d",
            name, evaluated.size() - 1, l.name(), l.trainId()));
      }
      if (l.id() < 0) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot use labels table '%s': evaluated class '%s' has negative id %d", name, l.name(), l.id()));
      }
      if (l.hasInstances() && !averageInstanceSizes.containsKey(l.name())) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot use labels table '%s': class '%s' has instances but no average instance size for iIoU",
            name, l.name()));
      }
    }
  }

  private static List<Label> parseLabels(String source, List<String> lines) {
    List<String> content = new ArrayList<>();
    for (String line : lines) {
      String t = line.strip();
      if (!t.isEmpty() && !t.startsWith("#")) {
        content.add(t);
      }
    }
    if (content.isEmpty()) {
      throw new InvalidSettingException("Cannot read labels table " + source + ": the file is empty");
    }
    String[] header = content.get(0).split(",", -1);
    Map<String, Integer> col = new HashMap<>();
    for (int i = 0; i < header.length; i++) {
      col.put(header[i].strip(), i);
    }
    for (String required : List.of("name", "id", "trainId", "ignoreInEval")) {
      if (!col.containsKey(required)) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot read labels table %s: header lacks column '%s' (expected name,id,trainId,category,categoryId,"
                + "hasInstances,ignoreInEval,r,g,b)", source, required));
      }
    }
    List<Label> labels = new ArrayList<>();
    for (int row = 1; row < content.size(); row++) {
      String[] f = content.get(row).split(",", -1);
      if (f.length != header.length) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot read labels table %s: row %d has %d fields, the header has %d", source, row + 1, f.length,
            header.length));
      }
      try {
        String labelName = field(f, col, "name", null);
        int id = Integer.parseInt(field(f, col, "id", null));
        int trainId = Integer.parseInt(field(f, col, "trainId", null));
        String category = field(f, col, "category", "-");
        int categoryId = Integer.parseInt(field(f, col, "categoryId", "-1"));
        boolean hasInstances = bool(field(f, col, "hasInstances", "false"));
        boolean ignore = bool(field(f, col, "ignoreInEval", null));
        int r = Integer.parseInt(field(f, col, "r", "0"));
        int g = Integer.parseInt(field(f, col, "g", "0"));
        int b = Integer.parseInt(field(f, col, "b", "0"));
        labels.add(new Label(labelName, id, trainId, category, categoryId, hasInstances, ignore,
            (r & 255) << 16 | (g & 255) << 8 | (b & 255)));
      } catch (IllegalArgumentException e) {
        throw new InvalidSettingException(String.format(Locale.ROOT,
            "Cannot read labels table %s: row %d (%s): %s", source, row + 1, content.get(row), e.getMessage()), e);
      }
    }
    return labels;
  }

  private static String field(String[] f, Map<String, Integer> col, String key, String dflt) {
    Integer i = col.get(key);
    if (i == null) {
      return dflt;
    }
    return f[i].strip();
  }

  private static boolean bool(String s) {
    if (s.equalsIgnoreCase("true")) {
      return true;
    }
    if (s.equalsIgnoreCase("false")) {
      return false;
    }
    throw new InvalidSettingException("expected true or false, got '" + s + "'");
  }

  static Map<String, Double> parseInstanceSizes(String source, List<String> lines) {
    Map<String, Double> sizes = new LinkedHashMap<>();
    boolean header = true;
    for (String line : lines) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      if (header) {
        header = false;
        continue;
      }
      String[] f = t.split(",", -1);
      if (f.length != 2) {
        throw new InvalidSettingException("Cannot read instance sizes " + source + ": bad row '" + t + "'");
      }
      sizes.put(f[0].strip(), Double.parseDouble(f[1].strip()));
    }
    return sizes;
  }

  private static List<String> resourceLines(String resource) {
    try (InputStream in = LabelTable.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Labels resource missing from the jar: " + resource);
      }
      List<String> lines = new ArrayList<>();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      }
      return lines;
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read labels resource " + resource, e);
    }
  }

  /**
   * SHA-256 (hex) of everything in the table that scoring depends on: every label's fields in order and the
   * average instance sizes. Two tables with the same digest score identically.
   */
  public String digest() {
    StringBuilder b = new StringBuilder();
    for (Label l : labels) {
      b.append(l).append('\n');
    }
    new java.util.TreeMap<>(averageInstanceSizes()).forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  @Override
  public String toString() {
    return "LabelTable[" + name + ", " + evaluated.size() + " classes]";
  }
}
