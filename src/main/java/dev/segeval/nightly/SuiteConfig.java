package dev.segeval.nightly;

import dev.segeval.InvalidSettingException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A nightly suite, read from a properties file under {@code conf/nightly/} and validated: every key known, every
 * value of the right kind, every entry named. An entry is a list of {@code evaluate} arguments (typically
 * {@code --config} files plus data paths); the suite adds {@code --output <output>/<entry>} and the run id
 * {@code <suite>-<date>}.
 *
 * <pre>
 * suite = demo
 * output = target/nightly
 * entries = model, predictions
 * entry.model = --config conf/datasets/cityscapes.properties --config conf/models/tiny.properties --data-root data/cs
 * entry.predictions = --config conf/datasets/cityscapes.properties --data-root data/cs --predictions preds/
 * tolerance = 0.1          # points; a smaller change is never a regression
 * speed-tolerance = 20     # percent; an images/s drop beyond it is reported (fatal with --fail-on-slowdown)
 * resamples = 10000
 * </pre>
 *
 * @param tolerancePoints  see {@code compare --tolerance}
 * @param speedTolerance   fraction (0.2 = 20 %)
 */
public record SuiteConfig(String suite, String output, List<Entry> entries, double tolerancePoints,
                          double speedTolerance, int resamples, String source) {

  /** One evaluation of the suite. */
  public record Entry(String name, List<String> evaluateArgs) {
  }

  private static final Set<String> KEYS = Set.of("suite", "output", "entries", "tolerance", "speed-tolerance",
      "resamples");
  private static final String NAME = "[A-Za-z0-9._-]+";

  public static SuiteConfig read(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new InvalidSettingException("Cannot read --suite " + file + ": the file does not exist", e);
    }
    String src = file.toString();
    for (String key : p.stringPropertyNames()) {
      if (!KEYS.contains(key) && !key.startsWith("entry.")) {
        throw new InvalidSettingException(String.format(Locale.ROOT, "Cannot read suite %s: unknown key '%s' "
            + "(expected %s or entry.<name>)", src, key, String.join(", ", KEYS.stream().sorted().toList())));
      }
    }
    String suite = required(p, "suite", src);
    if (!suite.matches(NAME)) {
      throw new InvalidSettingException("Cannot read suite " + src + ": suite '" + suite + "' must use letters, "
          + "digits, '.', '_' or '-'");
    }
    String output = required(p, "output", src);
    List<Entry> entries = new ArrayList<>();
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (String name : required(p, "entries", src).split("[,\\s]+")) {
      if (name.isEmpty()) {
        continue;
      }
      if (!name.matches(NAME) || seen.put(name, true) != null) {
        throw new InvalidSettingException("Cannot read suite " + src + ": entry name '" + name + "' is invalid or "
            + "repeated (letters, digits, '.', '_', '-')");
      }
      String args = p.getProperty("entry." + name);
      if (args == null || args.isBlank()) {
        throw new InvalidSettingException("Cannot read suite " + src + ": entry '" + name + "' is listed in "
            + "'entries' but has no 'entry." + name + "' line of evaluate arguments");
      }
      List<String> list = Arrays.stream(args.strip().split("\\s+")).toList();
      for (String forbidden : List.of("--output", "--run-id", "--resume")) {
        if (list.contains(forbidden)) {
          throw new InvalidSettingException("Cannot read suite " + src + ": entry '" + name + "' sets " + forbidden
              + ", which the suite decides (<output>/<entry>, run id <suite>-<date>)");
        }
      }
      entries.add(new Entry(name, list));
    }
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith("entry.") && !seen.containsKey(key.substring("entry.".length()))) {
        throw new InvalidSettingException("Cannot read suite " + src + ": '" + key + "' is not listed in 'entries'");
      }
    }
    if (entries.isEmpty()) {
      throw new InvalidSettingException("Cannot read suite " + src + ": 'entries' lists no entry");
    }
    double tolerance = number(p, "tolerance", 0.1, src);
    double speed = number(p, "speed-tolerance", 20, src);
    double resamples = number(p, "resamples", 10_000, src);
    if (tolerance < 0 || speed < 0 || resamples < 100 || resamples != Math.rint(resamples)) {
      throw new InvalidSettingException("Cannot read suite " + src + ": tolerance and speed-tolerance must be 0 "
          + "or more, resamples a whole number of at least 100");
    }
    return new SuiteConfig(suite, output, List.copyOf(entries), tolerance, speed / 100, (int) resamples, src);
  }

  private static String required(Properties p, String key, String src) {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new InvalidSettingException("Cannot read suite " + src + ": key '" + key + "' is missing");
    }
    return v.strip();
  }

  private static double number(Properties p, String key, double dflt, String src) {
    String v = p.getProperty(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Double.parseDouble(v.strip());
    } catch (NumberFormatException e) {
      throw new InvalidSettingException("Cannot read suite " + src + ": '" + key + "' must be a number, got '"
          + v.strip() + "'", e);
    }
  }

  /** Where an entry's runs go. */
  public String entryOutput(String entry) {
    return dev.segeval.datasets.HadoopPaths.join(dev.segeval.datasets.HadoopPaths.qualify(output), entry);
  }

  /** The run id of a date. */
  public String runId(java.time.LocalDate date) {
    return suite + "-" + date;
  }
}
