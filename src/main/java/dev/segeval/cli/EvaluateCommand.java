package dev.segeval.cli;

import dev.segeval.InvalidSettingException;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.scoring.RunPlanner;
import dev.segeval.scoring.PredictionSource;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.report.ConsoleTable;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.spark.RunOptions;
import dev.segeval.spark.SparkSessions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Scores predictions (a folder of PNGs, or a model run on the executors) against a dataset's ground truth "
            + "on Spark.",
        "Writes Parquet tables (summary/, classes/, categories/, images/, confusion/, each partitioned by run_id) "
            + "and summary.json under --output. Paths may be local paths or any Hadoop URI (file://, hdfs://, "
            + "s3a://).",
        "",
        "Example:",
        "  segeval evaluate --dataset cityscapes --data-root data/cityscapes \\",
        "    --split val --predictions preds/ --prediction-encoding labelId \\",
        "    --output results/"})
final class EvaluateCommand implements Callable<Integer> {

  @Option(names = "--dataset", required = true, paramLabel = "NAME",
      description = "Dataset layout and labels table: cityscapes, ade20k, voc2012, or folder (with --labels).")
  String dataset;

  @Option(names = "--data-root", required = true, paramLabel = "URI",
      description = "Dataset root (Cityscapes: holds gtFine/; ADE20K: ADEChallengeData2016 or its parent; "
          + "VOC: VOC2012 or VOCdevkit; folder: holds labels/<split>/ and images/<split>/).")
  String dataRoot;

  @Option(names = "--split", defaultValue = "val", paramLabel = "NAME",
      description = "Split to evaluate (default: ${DEFAULT-VALUE}). ADE20K accepts val/validation, train/training.")
  String split;

  @Option(names = "--predictions", paramLabel = "URI",
      description = "Folder of prediction PNGs, searched recursively. Cityscapes: the one file named "
          + "<city>_<seq>_<frame>*.png (official rule); others: <id>.png. Give this or --model.")
  String predictions;

  @Option(names = "--model", paramLabel = "URI",
      description = "TorchScript PSPNet-style model (any Hadoop URI) run on the executors instead of reading "
          + "--predictions; see notebooks/pspnet for export. Predictions are scored as train ids.")
  String model;

  @Option(names = "--scales", split = ",", paramLabel = "S",
      description = "Test scales, comma-separated (default 1.0; the paper's multi-scale: "
          + "0.5,0.75,1.0,1.25,1.5,1.75).")
  double[] scales;

  @Option(names = "--flip", paramLabel = "none|average|caffe",
      description = "Horizontal flip: average softmax of both (semseg, default), caffe (sum logits, then "
          + "softmax), none.")
  String flip;

  @Option(names = "--crop-size", paramLabel = "N|HxW",
      description = "Sliding-window crop (default: 713 Cityscapes, 473 ADE20K/VOC).")
  String cropSize;

  @Option(names = "--base-size", paramLabel = "N",
      description = "Longer image side at scale 1.0 (default: 2048 Cityscapes, 512 ADE20K/VOC).")
  Integer baseSize;

  @Option(names = "--stride-rate", paramLabel = "R", description = "Window stride / crop (default 2/3).")
  Double strideRate;

  @Option(names = "--batch-size", paramLabel = "N", description = "Windows per forward pass; 0, the default: on a CPU as many as fit "
          + "600,000 input pixels with their flipped copies (one 473x473 window with flip, four of 257x513 without), "
          + "on a GPU 4.")
  Integer batchSize;

  @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|gpu",
      description = "auto: the GPU Spark assigns to a task (spark.task.resource.gpu.amount), else CPU.")
  String device;

  @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16|fp16",
      description = "Precision of the model's forward pass (default: ${DEFAULT-VALUE}). bf16 (CPUs with "
          + "AVX512-BF16 or AMX, and GPUs) and fp16 (GPUs) run the model file's reduced-precision trace, which "
          + "notebooks/pspnet/export.py adds; recorded in summary.json. See benchmark-results/precision.md for "
          + "the speed-up and how many pixels change.")
  String precision;

  @Option(names = "--intra-op-threads", defaultValue = "0", paramLabel = "N",
      description = "PyTorch threads per image being predicted. 0, the default, measures the model on its "
          + "second forward pass: a heavy one (>= 0.2 s per crop, e.g. ResNet-50 PSPNet) predicts one image at a "
          + "time on every core of the executor while other tasks read, decode and score; a light one predicts "
          + "several images side by side, sharing the cores among them.")
  int intraOpThreads;

  @Option(names = "--executor-threads", paramLabel = "N",
      description = "Concurrent tasks (predictor threads) per executor: spark.executor.cores, and local[N] for "
          + "embedded runs.")
  Integer executorThreads;

  @Option(names = "--max-image-pixels", defaultValue = "100000000", paramLabel = "N",
      description = "Images larger than this fail instead of exhausting memory (default: ${DEFAULT-VALUE}).")
  long maxImagePixels;

  @Option(names = "--save-predictions", paramLabel = "URI",
      description = "Write the model's predictions: ids/<id>.png in the dataset's label ids (official "
          + "submission format) under this folder.")
  String savePredictions;

  @Option(names = "--save-color", description = "With --save-predictions, also write color/<id>.png.")
  boolean saveColor;

  @Option(names = "--prediction-encoding", defaultValue = "labelId", paramLabel = "labelId|trainId",
      description = "labelId: same values as the ground-truth files (Cityscapes' official submission format; "
          + "needed for exact category iIoU); trainId: class indices 0..C-1 and 255. Default: ${DEFAULT-VALUE}.")
  String encoding;

  @Option(names = "--labels", paramLabel = "URI",
      description = "Labels table CSV (name,id,trainId,ignoreInEval[,category,categoryId,hasInstances,r,g,b]); "
          + "required for --dataset folder.")
  String labels;

  @Option(names = "--absent-classes", defaultValue = "exclude", paramLabel = "exclude|zero",
      description = "Classes absent from ground truth and prediction: 'exclude' them from means (Cityscapes "
          + "scripts, mmsegmentation; default) or count them as 0 like the official PSPNet code ('zero').")
  String absent;

  @Option(names = "--output", required = true, paramLabel = "URI", description = "Output root.")
  String output;

  @Option(names = "--run-id", paramLabel = "ID",
      description = "Run id; rows of an earlier run with the same id are replaced. Default: UTC time + random.")
  String runId;

  @Option(names = "--resume",
      description = "Continue an interrupted run (same --run-id and --output): score only the images without "
          + "committed results. Refused, naming what differs, if the inputs (listing, predictions or model, "
          + "protocol, encoding, labels, version) changed. Starts the run if nothing was committed.")
  boolean resume;

  @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
      description = "Spark partitions for the image list (default: automatic, about 3 per core).")
  int partitions;

  @Option(names = "--no-instances", description = "Skip Cityscapes instance statistics (no iIoU).")
  boolean noInstances;

  @Option(names = "--allow-failures",
      description = "Exit 0 even when some images failed (they are still excluded, counted and listed).")
  boolean allowFailures;

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master when not launched by spark-submit (default: local[*]).")
  String master;

  @Option(names = "--conf", paramLabel = "KEY=VALUE",
      description = "Extra Spark configuration, repeatable (e.g. spark.hadoop.fs.s3a.endpoint=...).")
  Map<String, String> sparkConf;

  @Option(names = "--progress-interval", defaultValue = "5", paramLabel = "SECONDS",
      description = "Seconds between progress lines (images done / total, images/s, time left); default 5.")
  double progressInterval;

  @Option(names = "--read-ahead", paramLabel = "N",
      description = "Images whose files each task reads ahead while it scores, so that an object store's latency "
          + "overlaps with decoding and scoring (with 20 ms per request: 7x faster scoring); default: 8 where the "
          + "data or predictions are not on the local file system (s3a://, hdfs://, ...), else 0 (each file read "
          + "when needed). 0 turns it off.")
  Integer readAhead;

  @Option(names = "--quiet", description = "Do not print the metrics table.")
  boolean quiet;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file of option values (key = option name without dashes; spark.* keys become "
          + "--conf), repeatable, later files win; the command line wins over every file. See conf/.")
  List<String> configFiles;

  @Override
  public Integer call() throws Exception {
    if ((predictions == null) == (model == null)) {
      throw new InvalidSettingException("Cannot evaluate: give exactly one of --predictions <folder> and "
          + "--model <torchscript file>");
    }
    PredictionSource source;
    PredictionEncoding enc = PredictionEncoding.parse(encoding);
    if (model != null) {
      source = new ModelPredictions(inferenceOptions(null));
      enc = PredictionEncoding.TRAIN_ID;
    } else {
      source = new FolderPredictions(HadoopPaths.qualify(predictions));
    }
    EvaluationSpec spec = new EvaluationSpec(dataset, labels == null ? null : HadoopPaths.qualify(labels),
        HadoopPaths.qualify(dataRoot), split, source, enc, AbsentClassPolicy.parse(absent),
        HadoopPaths.qualify(output), runId == null ? defaultRunId() : validRunId(runId), partitions, !noInstances);
    dev.segeval.datasets.DatasetLayouts.forName(dataset);
    if (!(progressInterval > 0)) {
      throw new InvalidSettingException("Cannot use --progress-interval " + progressInterval + ": must be positive");
    }
    if (readAhead != null && (readAhead < 0 || readAhead > 256)) {
      throw new InvalidSettingException("Cannot use --read-ahead " + readAhead + ": must be 0 (off) to 256 images "
          + "(each task holds that many images' files in memory)");
    }
    RunOptions options = RunOptions.DEFAULTS.withResume(resume)
        .withProgressIntervalMs(Math.max(1, (long) (progressInterval * 1000)))
        .withReadAhead(readAhead == null ? RunOptions.AUTO : readAhead);
    if (resume && runId == null) {
      throw new InvalidSettingException("Cannot use --resume without --run-id: give the id of the run "
          + "to continue");
    }
    if (partitions < 0) {
      throw new InvalidSettingException("Cannot use --partitions " + partitions + ": must be 0 (auto) or more");
    }
    // A session that already exists (an embedding application, a test) is reused and left running.
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    java.util.Map<String, String> conf = sparkConf == null ? new java.util.HashMap<>() : new java.util.HashMap<>(sparkConf);
    String sessionMaster = master;
    if (executorThreads != null) {
      if (executorThreads < 1) {
        throw new InvalidSettingException("Cannot use --executor-threads " + executorThreads + ": must be 1 or more");
      }
      conf.putIfAbsent("spark.executor.cores", String.valueOf(executorThreads));
      if (sessionMaster == null && !new org.apache.spark.SparkConf().contains("spark.master")) {
        sessionMaster = "local[" + executorThreads + "]";
      }
    }
    org.apache.spark.SparkConf sessionConf = SparkSessions.conf("segeval evaluate " + dataset + " " + split,
        sessionMaster, conf);
    // In local mode the split is listed while Spark starts (seconds of start-up on small machines), and the job's
    // planning task, in this JVM, takes the listing; on a cluster the executors list and the driver holds nothing
    // per image. A session that already exists plans in the job.
    String sparkMaster = sessionConf.get("spark.master", "local[*]");
    RunPlanner.EarlyPlan early = ownSession && (sparkMaster.equals("local") || sparkMaster.startsWith("local["))
        ? RunPlanner.EarlyPlan.start(spec, SparkSessions.hadoopConfiguration(sessionConf)) : null;
    SparkSession spark;
    try {
      spark = SparkSessions.getOrCreate(sessionConf);
    } catch (RuntimeException | Error e) {
      if (early != null) {
        early.cancel();
      }
      throw e;
    }
    try {
      if (model != null) {
        spec = withCardProtocol(spec, spark.sparkContext().hadoopConfiguration());
      }
      EvaluateJob.Outcome outcome = EvaluateJob.run(spark, spec, options, early, System.err);
      if (!quiet) {
        System.out.print(ConsoleTable.render(outcome.run(), outcome.report()));
      }
      System.out.println("Results: " + spec.output() + " (summary.json, run_id=" + spec.runId() + ")");
      if (outcome.run().failedCount() > 0 && !allowFailures) {
        System.err.printf(Locale.ROOT, "segeval: %d of %d images failed and were not scored (listed above and in "
            + "images/, status = 'failed'); fix those files, or rerun with --allow-failures to publish the metrics "
            + "of the other images%n", outcome.run().failedCount(), outcome.run().imageCount());
        return SegEval.EXIT_IMAGES_FAILED;
      }
      return SegEval.EXIT_OK;
    } finally {
      if (early != null) {
        early.cancel(); // a no-op once listed; stops a listing the job never asked for (it failed before)
      }
      if (ownSession) {
        spark.stop();
      }
    }
  }

  /**
   * The protocol: the dataset's defaults (semseg's), replaced by the model card's where it has one, replaced by any
   * option given on the command line or in a --config file.
   */
  InferenceOptions inferenceOptions(dev.segeval.inference.ModelCard.CardProtocol card) {
    ProtocolSettings d = ProtocolSettings.defaults(dataset);
    d = card == null ? d : card.over(d);
    int[] crop = cropSize == null ? new int[] {d.cropHeight(), d.cropWidth()} : ProtocolSettings.parseCrop(cropSize);
    int cropH = crop[0];
    int cropW = crop[1];
    ProtocolSettings protocol = new ProtocolSettings(scales == null ? d.scales() : scales,
        flip == null ? d.flip() : FlipMode.parse(flip), cropH, cropW, baseSize == null ? d.baseSize() : baseSize,
        strideRate == null ? d.strideRate() : strideRate, batchSize == null ? d.batchSize() : batchSize);
    return new InferenceOptions(HadoopPaths.qualify(model), protocol, device, intraOpThreads, maxImagePixels,
        savePredictions == null ? null : HadoopPaths.qualify(savePredictions), saveColor,
        dev.segeval.inference.Precision.parse(precision));
  }

  /** The spec with the model card's protocol as defaults, when the model has a card with a protocol. */
  private EvaluationSpec withCardProtocol(EvaluationSpec spec, org.apache.hadoop.conf.Configuration conf)
      throws java.io.IOException {
    java.util.Optional<dev.segeval.inference.ModelCard> card;
    try {
      card = dev.segeval.inference.ModelCard.near(HadoopPaths.qualify(model), conf);
    } catch (dev.segeval.inference.ModelLoadException e) {
      throw new dev.segeval.scoring.EvaluationException(e.getMessage(), e);
    }
    if (card.isEmpty() || card.get().protocol() == null) {
      return spec;
    }
    System.err.println("[segeval] protocol defaults from the model card " + HadoopPaths.redact(card.get().uri())
        + ": " + card.get().protocol().describe() + " (options given on the command line or in --config win)");
    return new EvaluationSpec(spec.dataset(), spec.labelsFile(), spec.dataRoot(), spec.split(),
        new ModelPredictions(inferenceOptions(card.get().protocol())), spec.encoding(), spec.absentPolicy(),
        spec.output(), spec.runId(), spec.partitions(), spec.instances());
  }

  static String defaultRunId() {
    return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).format(ZonedDateTime.now(ZoneOffset.UTC))
        + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  static String validRunId(String id) {
    if (!id.matches("[A-Za-z0-9._-]+") || id.matches("[0-9.]+")) {
      throw new InvalidSettingException("Cannot use --run-id '" + id + "': use letters, digits, '.', '_' or '-', "
          + "with at least one letter (a purely numeric id would be read back as a number)");
    }
    return id;
  }
}
