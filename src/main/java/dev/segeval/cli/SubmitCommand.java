package dev.segeval.cli;

import dev.segeval.InvalidSettingException;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.PredictionSource;
import dev.segeval.spark.SparkSessions;
import dev.segeval.spark.SubmissionJob;
import java.util.HashMap;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "submit", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Builds a test-server package for a private test split, validated before it is reported.",
        "Cityscapes: label-id PNGs <city>_<seq>_<frame>_leftImg8bit.png; VOC 2012: palette PNGs under "
            + "results/VOC2012/Segmentation/comp6_test_cls/; ADE20K: <id>.png with values 1..150. Every test image "
            + "present once, at its size, with values the server accepts; otherwise exit 2 naming the file.",
        "",
        "Example:",
        "  segeval submit --dataset cityscapes --data-root /data/cityscapes \\",
        "    --model /models/pspnet101_cityscapes.pt --output /results/cityscapes-test-package"})
final class SubmitCommand implements Callable<Integer> {
  @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "cityscapes, ade20k or voc2012.")
  String dataset;

  @Option(names = "--data-root", required = true, paramLabel = "URI", description = "Dataset root (test images).")
  String dataRoot;

  @Option(names = "--split", defaultValue = "test", paramLabel = "NAME",
      description = "Split of the test images (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--predictions", paramLabel = "URI",
      description = "Prediction PNGs in the dataset's label ids, matched as evaluate matches them; or --model.")
  String predictions;

  @Option(names = "--model", paramLabel = "URI",
      description = "TorchScript model run on the executors with the dataset's protocol defaults (and the options "
          + "below); or --predictions.")
  String model;

  @Option(names = "--scales", split = ",", paramLabel = "S", description = "Test scales (default: 1.0).")
  double[] scales;

  @Option(names = "--flip", paramLabel = "none|average|caffe", description = "Flip (default: average).")
  String flip;

  @Option(names = "--output", required = true, paramLabel = "URI", description = "Folder of the package.")
  String output;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    if ((predictions == null) == (model == null)) {
      throw new InvalidSettingException("Cannot build a package: give exactly one of --predictions and --model");
    }
    dev.segeval.datasets.DatasetLayouts.forName(dataset);
    if (dataset.equals("folder")) {
      throw new InvalidSettingException("Cannot build a package for dataset 'folder': no test server");
    }
    PredictionSource source;
    if (model != null) {
      ProtocolSettings d = ProtocolSettings.defaults(dataset);
      ProtocolSettings protocol = new ProtocolSettings(scales == null ? d.scales() : scales,
          flip == null ? d.flip() : FlipMode.parse(flip), d.cropHeight(), d.cropWidth(), d.baseSize(),
          d.strideRate(), d.batchSize());
      source = new ModelPredictions(new InferenceOptions(HadoopPaths.qualify(model), protocol, "auto", 0,
          100_000_000L, null, false));
    } else {
      source = new FolderPredictions(HadoopPaths.qualify(predictions));
    }
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.getOrCreate("segeval submit", master, new HashMap<>());
    try {
      SubmissionJob.Package p = SubmissionJob.build(spark, dataset, dataRoot, split, source, output, System.err);
      System.out.println("Package: " + HadoopPaths.redact(p.root()) + " (" + p.images() + " images, validated)");
      return SegEval.EXIT_OK;
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }
}
