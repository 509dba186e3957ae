package dev.segeval.cli;

import dev.segeval.bench.CoreBenchmark;
import dev.segeval.bench.MarkdownResults;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench-core", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Benchmarks the pixel-scoring core (pixels/s) against an encode-and-histogram baseline.",
        "Both run in the same JVM on the same random Cityscapes-sized maps; compare the ratios, not the absolute "
            + "numbers, across machines."})
final class BenchCoreCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--width", defaultValue = "2048", paramLabel = "PX",
      description = "Image width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--height", defaultValue = "1024", paramLabel = "PX",
      description = "Image height (default: ${DEFAULT-VALUE}).")
  int height;

  @Option(names = "--images", defaultValue = "8", paramLabel = "N",
      description = "Distinct random images (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--rounds", defaultValue = "5", paramLabel = "N",
      description = "Timed rounds over all images; the fastest counts (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--output", paramLabel = "FILE",
      description = "Also append the result as a Markdown section to this file (default: print only).")
  Path output;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast(spec, "--width", width, 1);
    OptionChecks.atLeast(spec, "--height", height, 1);
    OptionChecks.atLeast(spec, "--images", images, 1);
    OptionChecks.atLeast(spec, "--rounds", rounds, 1);
    MarkdownResults.publish(CoreBenchmark.run(new CoreBenchmark.Settings(width, height, images, rounds)), System.out,
        output);
    return SegEval.EXIT_OK;
  }
}
