package dev.segeval.cli;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.synth.SyntheticDatasets;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Writes small synthetic datasets in the standard layouts plus imperfect predictions.",
        "Layouts: Cityscapes (16-bit instance maps, crowd regions), ADE20K, VOC (palette PNGs). Everything is "
            + "deterministic from --seed and nothing is downloaded.",
        "Output: <output>/<dataset>/ and <output>/<dataset>-predictions/."})
final class SynthCommand implements Callable<Integer> {

  @Option(names = "--dataset", defaultValue = "all", paramLabel = "NAME",
      description = "cityscapes, ade20k, voc2012 or all (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(names = "--output", required = true, paramLabel = "URI", description = "Output root.")
  String output;

  @Option(names = "--images", defaultValue = "12", paramLabel = "N", description = "Images per dataset (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--width", defaultValue = "256", paramLabel = "PX", description = "Image width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--height", defaultValue = "128", paramLabel = "PX", description = "Image height (default: ${DEFAULT-VALUE}).")
  int height;

  @Option(names = "--seed", defaultValue = "7", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--split", defaultValue = "val", paramLabel = "NAME", description = "Split name (default: ${DEFAULT-VALUE}).")
  String split;

  @Override
  public Integer call() throws Exception {
    SyntheticDatasets.Options o = new SyntheticDatasets.Options(images, width, height, seed, split);
    List<String> which = dataset.equalsIgnoreCase("all") ? SyntheticDatasets.DATASETS : List.of(dataset);
    Configuration conf = new Configuration();
    for (String d : which) {
      SyntheticDatasets.write(d, HadoopPaths.qualify(output), o, conf, System.err);
    }
    return SegEval.EXIT_OK;
  }
}
