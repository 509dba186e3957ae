package dev.segeval.cli;

import dev.segeval.bench.InferenceBenchmark;
import dev.segeval.bench.MarkdownResults;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.ProtocolSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench-inference", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Benchmarks the evaluate job with --model against the bare predictor on the same images.",
        "The bare predictor runs on pre-decoded synthetic Cityscapes images in the same JVM; with --leak-rounds it "
            + "also shows whether native memory stays flat."})
final class BenchInferenceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "URI",
      description = "TorchScript model with 19 Cityscapes classes, any Hadoop URI.")
  String model;

  @Option(names = "--images", defaultValue = "24", paramLabel = "N",
      description = "Synthetic Cityscapes images (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--width", defaultValue = "512", paramLabel = "PX",
      description = "Image width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--height", defaultValue = "256", paramLabel = "PX",
      description = "Image height (default: ${DEFAULT-VALUE}).")
  int height;

  @Option(names = "--crop-size", defaultValue = "257", paramLabel = "N|HxW",
      description = "Sliding-window crop (default: ${DEFAULT-VALUE}).")
  String crop;

  @Option(names = "--base-size", defaultValue = "512", paramLabel = "N",
      description = "Longer image side at scale 1.0 (default: ${DEFAULT-VALUE}).")
  int baseSize;

  @Option(names = "--flip", defaultValue = "none", paramLabel = "none|average|caffe",
      description = "Horizontal-flip augmentation (default: ${DEFAULT-VALUE}).")
  String flip;

  @Option(names = "--batch-size", defaultValue = "4", paramLabel = "N",
      description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
      description = "Spark task threads (local[N]) and bare-predictor threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--intra-op-threads", defaultValue = "1", paramLabel = "N",
      description = "PyTorch threads per JVM; 0 is PyTorch's default (default: ${DEFAULT-VALUE}).")
  int intraOpThreads;

  @Option(names = "--leak-rounds", defaultValue = "0", paramLabel = "N",
      description = "Extra bare-predictor passes over the images, printing the process RSS after each "
          + "(default: ${DEFAULT-VALUE}).")
  int leakRounds;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where to synthesise the data, reused when already there (default: a new temp dir).")
  Path workDir;

  @Option(names = "--warmup-jobs", defaultValue = "3", paramLabel = "N",
      description = "Untimed Spark jobs before the rounds. The first pays Spark's class loading and code "
          + "generation; the job's own code (decoding, scoring, committing chunks) runs a few times per image or "
          + "per chunk, and the JIT compiler takes a few jobs of 96 images to settle: after one warm-up job, three "
          + "runs of five rounds spent 6.2-7.6 s of CPU on the job in their first two rounds and 5.5-6.2 s in the "
          + "last three, while the bare predictor, warmed by its one-thread pass, stayed level "
          + "(default: ${DEFAULT-VALUE}).")
  int warmupJobs;

  @Option(names = "--rounds", defaultValue = "3", paramLabel = "N",
      description = "Timed rounds, each the bare predictor with every thread and then the Spark job, back to back; "
          + "the report gives medians, so that one slow spell of a shared machine does not decide the ratio "
          + "(default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--label", defaultValue = "model", paramLabel = "NAME",
      description = "Name of the model in the report (default: ${DEFAULT-VALUE}).")
  String label;

  @Option(names = "--output", paramLabel = "FILE",
      description = "Also append the result as a Markdown section to this file (default: print only).")
  Path output;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast(spec, "--images", images, 1);
    OptionChecks.atLeast(spec, "--threads", threads, 1);
    OptionChecks.atLeast(spec, "--leak-rounds", leakRounds, 0);
    OptionChecks.atLeast(spec, "--rounds", rounds, 1);
    OptionChecks.atLeast(spec, "--warmup-jobs", warmupJobs, 0);
    int[] cropSize = ProtocolSettings.parseCrop(crop);
    InferenceBenchmark.Settings settings = new InferenceBenchmark.Settings(model, label, images, width, height,
        cropSize[0], cropSize[1], baseSize, FlipMode.parse(flip), batchSize, threads, intraOpThreads, leakRounds,
        workDir, warmupJobs, rounds);
    MarkdownResults.publish(InferenceBenchmark.run(settings), System.out, output);
    return SegEval.EXIT_OK;
  }
}
