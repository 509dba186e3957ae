package dev.segeval.cli;

import dev.segeval.bench.ListingBenchmark;
import dev.segeval.bench.MarkdownResults;
import dev.segeval.datasets.HadoopPaths;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench-listing", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Benchmarks listing a dataset's files: the project's listing against Hadoop's recursive "
        + "listFiles, on the same folder tree (any Hadoop URI), alternating; the fastest round of each counts."})
final class BenchListingCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--root", required = true, paramLabel = "URI",
      description = "The folder tree to list, e.g. <data root>/gtFine/val.")
  String root;

  @Option(names = "--rounds", defaultValue = "2", paramLabel = "N",
      description = "Rounds of each (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--output", paramLabel = "FILE",
      description = "Also append the result as a Markdown section to this file (default: print only).")
  Path output;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast(spec, "--rounds", rounds, 1);
    String command = String.format(Locale.ROOT, "jobs/segeval.sh bench-listing --root %s --rounds %d", root, rounds);
    ListingBenchmark.Result r = ListingBenchmark.run(HadoopPaths.qualify(root), rounds,
        new org.apache.hadoop.conf.Configuration());
    MarkdownResults.publish(ListingBenchmark.markdown(r, command), System.out, output);
    return SegEval.EXIT_OK;
  }
}
