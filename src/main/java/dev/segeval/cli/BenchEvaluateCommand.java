package dev.segeval.cli;

import dev.segeval.bench.EvaluateBenchmark;
import dev.segeval.bench.MarkdownResults;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench-evaluate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Benchmarks the evaluate job (images/s) against the single-threaded path on the same data.",
        "Also times a decode-only pass and plain Java threads without Spark, on synthetic Cityscapes images."})
final class BenchEvaluateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--images", defaultValue = "48", paramLabel = "N",
      description = "Synthetic Cityscapes images (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--width", defaultValue = "2048", paramLabel = "PX",
      description = "Image width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--height", defaultValue = "1024", paramLabel = "PX",
      description = "Image height (default: ${DEFAULT-VALUE}).")
  int height;

  @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
      description = "Spark partitions; 0 is automatic (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where to synthesise the data, reused when already there (default: a new temp dir).")
  Path workDir;

  @Option(names = "--output", paramLabel = "FILE",
      description = "Also append the result as a Markdown section to this file (default: print only).")
  Path output;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast(spec, "--images", images, 1);
    OptionChecks.atLeast(spec, "--partitions", partitions, 0);
    MarkdownResults.publish(EvaluateBenchmark.run(new EvaluateBenchmark.Settings(images, width, height, partitions,
        workDir)), System.out, output);
    return SegEval.EXIT_OK;
  }
}
