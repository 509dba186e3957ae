package dev.segeval.cli;

import dev.segeval.InvalidSettingException;
import dev.segeval.bench.CompareCalibration;
import dev.segeval.compare.Comparison;
import dev.segeval.bench.MarkdownResults;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench-compare", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Calibrates compare by simulation: false-alarm rates on A/A pairs and power on an injected drop.",
        "Synthetic Cityscapes scenes and the project's error model, scored in memory; each pair is compared "
            + "exactly as the compare command does (paired bootstrap, tolerance, family-wise correction per class)."})
final class BenchCompareCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--pairs", defaultValue = "200", paramLabel = "N",
      description = "A/A pairs: same error model, different seeds (default: ${DEFAULT-VALUE}).")
  int pairs;

  @Option(names = "--drop-pairs", defaultValue = "50", paramLabel = "N",
      description = "Pairs whose current run has car and building degraded (default: ${DEFAULT-VALUE}).")
  int dropPairs;

  @Option(names = "--images", defaultValue = "200", paramLabel = "N",
      description = "Images per pair (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--width", defaultValue = "128", paramLabel = "PX",
      description = "Scene width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--height", defaultValue = "64", paramLabel = "PX",
      description = "Scene height (default: ${DEFAULT-VALUE}).")
  int height;

  @Option(names = "--resamples", defaultValue = "2000", paramLabel = "N",
      description = "Bootstrap resamples per comparison (default: ${DEFAULT-VALUE}).")
  int resamples;

  @Option(names = "--drop-share", defaultValue = "0.3", paramLabel = "F",
      description = "Share of image rows in which the dropped classes' correct pixels become \"unlabeled\" "
          + "(default: ${DEFAULT-VALUE}).")
  double dropShare;

  @Option(names = "--class-correction", defaultValue = "max-t", paramLabel = "max-t|holm",
      description = "Per-class family-wise correction, as in compare (default: ${DEFAULT-VALUE}).")
  String classCorrection;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
      description = "Seed of the whole simulation (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--output", paramLabel = "FILE",
      description = "Also append the result as a Markdown section to this file (default: print only).")
  Path output;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast(spec, "--pairs", pairs, 1);
    OptionChecks.atLeast(spec, "--drop-pairs", dropPairs, 1);
    OptionChecks.atLeast(spec, "--images", images, 2);
    OptionChecks.atLeast(spec, "--width", width, 32);
    OptionChecks.atLeast(spec, "--height", height, 32);
    OptionChecks.atLeast(spec, "--resamples", resamples, 100);
    Comparison.ClassCorrection correction = Comparison.ClassCorrection.parse(classCorrection);
    if (correction == null) {
      throw new InvalidSettingException("Cannot use --class-correction " + classCorrection + ": expected max-t or "
          + "holm");
    }
    String command = String.format(Locale.ROOT, "jobs/segeval.sh bench-compare --pairs %d --drop-pairs %d "
        + "--images %d --width %d --height %d --resamples %d --drop-share %s --class-correction %s --seed %d",
        pairs, dropPairs, images, width, height, resamples, dropShare, correction.cliName(), seed);
    CompareCalibration.Result r = CompareCalibration.run(new CompareCalibration.Settings(pairs, dropPairs, images,
        width, height, resamples, dropShare, correction, seed, command));
    MarkdownResults.publish(CompareCalibration.markdown(r), System.out, output);
    return SegEval.EXIT_OK;
  }
}
