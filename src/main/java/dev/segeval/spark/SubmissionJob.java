package dev.segeval.spark;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.datasets.Sample;
import dev.segeval.imaging.ImageDecoders;
import dev.segeval.imaging.PngEncoder;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.scoring.EvaluationException;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.scoring.PredictionSource;
import dev.segeval.scoring.ScoringTask;
import dev.segeval.scoring.SubmissionFormat;
import dev.segeval.synth.SyntheticDatasets;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Builds a test-server package: predictions of every test image (a model run on the executors, or prediction PNGs
 * in the dataset's label ids), written in the benchmark's layout and value range ({@link SubmissionFormat}), then
 * validated as a whole before it is reported ready.
 */
public final class SubmissionJob {
  private SubmissionJob() {
  }

  /** A validated package. */
  public record Package(String root, int images) {
  }

  /**
   * @param predictions a {@link ModelPredictions} (train ids, mapped to the server's values) or a
   *                    {@link FolderPredictions} in the dataset's label ids (written as they are)
   */
  public static Package build(SparkSession spark, String dataset, String dataRoot, String split,
                              PredictionSource predictions, String packageRoot, PrintStream log) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    SubmissionFormat format = new SubmissionFormat(dataset);
    List<Sample> images = format.testImages(HadoopPaths.qualify(dataRoot), split, conf);
    if (images.isEmpty()) {
      throw new EvaluationException("Cannot build a " + dataset + " " + split + " package: no test images under "
          + HadoopPaths.redact(dataRoot));
    }
    PredictionSource source = predictions instanceof ModelPredictions m ? m.withSpace(new ClassSpace(
        LabelTable.builtIn(dataset), PredictionEncoding.TRAIN_ID)) : predictions;
    boolean trainIds = predictions instanceof ModelPredictions;
    String root = HadoopPaths.qualify(packageRoot);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<byte[]> confBc = jsc.broadcast(SerializableConfiguration.bytes(conf));
    List<ScoringTask> tasks = new java.util.ArrayList<>();
    if (predictions instanceof FolderPredictions folder) {
      // Prediction files are matched as evaluate matches them (Cityscapes: <city>_<seq>_<frame>*.png).
      dev.segeval.datasets.PredictionIndex index = dev.segeval.datasets.PredictionIndex.build(folder.root(), conf);
      dev.segeval.datasets.PredictionMatcher matcher = dev.segeval.datasets.DatasetLayouts.forName(dataset)
          .predictionMatcher();
      for (Sample s : images) {
        try {
          tasks.add(ScoringTask.of(s, index.resolve(s.id(), matcher)));
        } catch (dev.segeval.datasets.PredictionIndex.UnresolvedPredictionException e) {
          throw new EvaluationException("Cannot build the package: " + e.getMessage(), e);
        }
      }
    } else {
      images.forEach(s -> tasks.add(ScoringTask.of(s, null)));
    }
    long t0 = System.nanoTime();
    jsc.setJobDescription("segeval: submission package of " + images.size() + " " + dataset + " " + split
        + " images");
    List<byte[]> slices = Shipped.slices(tasks, Math.min(tasks.size(), Math.max(1, jsc.defaultParallelism() * 3)));
    jsc.parallelize(slices, slices.size()).foreachPartition(shipped -> {
      java.util.Iterator<ScoringTask> it = Shipped.<ScoringTask>unwrapAll(shipped).iterator();
      Configuration c = SerializableConfiguration.of(confBc.value());
      try (PredictionSource.Reader reader = source.open(c, new PredictionSource.TaskResources(1, null))) {
        while (it.hasNext()) {
          ScoringTask t = it.next();
          int[] size = ImageDecoders.readSize(HadoopPaths.readAll(t.sample().imagePath(), c), t.sample().imagePath());
          char[] predicted = reader.predict(t, size[0], size[1]);
          int[] values = new int[predicted.length];
          for (int i = 0; i < values.length; i++) {
            values[i] = trainIds ? format.value(predicted[i]) : predicted[i];
          }
          byte[] png = format.palette() ? PngEncoder.encodePalette(size[0], size[1], values,
              SyntheticDatasets.vocPalette()) : PngEncoder.encodeGray8(size[0], size[1], values);
          HadoopPaths.write(format.file(root, t.sample().id()), png, c);
        }
      }
    });
    format.validate(root, images, conf);
    log.printf(Locale.ROOT, "[segeval] %s %s package: %d images in %.1f s, validated: %s%n", dataset, split,
        images.size(), (System.nanoTime() - t0) / 1e9, HadoopPaths.redact(root));
    return new Package(root, images.size());
  }
}
