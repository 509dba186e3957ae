package dev.segeval.cli;

import dev.segeval.InvalidSettingException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;

/**
 * Config files for commands ({@code --config conf/datasets/cityscapes.properties}, repeatable; later files win).
 * Keys are the command's long option names without dashes ({@code data-root=/data/cityscapes}); boolean flags take
 * {@code true}/{@code false}; {@code spark.*} keys become {@code --conf key=value}.
 *
 * <p>Precedence, stated once: command line &gt; config files (last one first) &gt; built-in defaults. It is
 * implemented by adding a file's settings as arguments only for options the command line does not set.
 */
final class ConfigFiles {
  private ConfigFiles() {
  }

  /** Returns the arguments with every {@code --config FILE} replaced by the settings the command line lacks. */
  static String[] expand(CommandLine root, String[] args) throws IOException {
    if (args.length == 0) {
      return args;
    }
    CommandLine sub = root.getSubcommands().get(args[0]);
    if (sub == null) {
      return args;
    }
    List<String> cli = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--config")) {
        if (i + 1 >= args.length) {
          throw new InvalidSettingException("Cannot read --config: a file path must follow it");
        }
        files.add(Path.of(args[++i]));
      } else if (args[i].startsWith("--config=")) {
        files.add(Path.of(args[i].substring("--config=".length())));
      } else {
        cli.add(args[i]);
      }
    }
    if (files.isEmpty()) {
      return args;
    }
    Set<String> given = new TreeSet<>();
    for (String a : cli) {
      if (a.startsWith("--")) {
        given.add(a.contains("=") ? a.substring(2, a.indexOf('=')) : a.substring(2));
      }
    }
    List<String> out = new ArrayList<>();
    out.add(args[0]);
    for (int f = files.size() - 1; f >= 0; f--) {
      Path file = files.get(f);
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        throw new InvalidSettingException("Cannot read --config " + file + ": " + e.getMessage(), e);
      }
      for (String key : new TreeSet<>(p.stringPropertyNames())) {
        String value = p.getProperty(key).strip();
        if (key.startsWith("spark.")) {
          out.add("--conf");
          out.add(key + "=" + value);
          continue;
        }
        CommandLine.Model.OptionSpec option = sub.getCommandSpec().findOption("--" + key);
        if (option == null || key.equals("config") || key.equals("help") || key.equals("version")) {
          throw new InvalidSettingException(String.format(Locale.ROOT,
              "Cannot use key '%s' in %s: '%s' has no option --%s (keys are option names without dashes)",
              key, file, args[0], key));
        }
        if (given.contains(key)) {
          continue;
        }
        given.add(key);
        if (option.arity().max() == 0) {
          if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new InvalidSettingException(String.format(Locale.ROOT,
                "Cannot use %s=%s in %s: the flag takes true or false", key, value, file));
          }
          if (value.equalsIgnoreCase("true")) {
            out.add("--" + key);
          }
        } else {
          out.add("--" + key);
          out.add(value);
        }
      }
    }
    out.addAll(cli);
    return out.toArray(new String[0]);
  }
}
