package example;

import dev.segeval.ml.SegmentationEvaluator;
import dev.segeval.ml.SemanticSegmenter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * A Spark pipeline built on segeval as a library: Cityscapes images read with binaryFile, segmented by a
 * TorchScript PSPNet, joined with their label and instance files, scored.
 *
 * <pre>
 *   spark-submit --class example.SegmentAndEvaluate app.jar DATA_ROOT/cityscapes MODEL.pt
 * </pre>
 */
public final class SegmentAndEvaluate {
  /** The Cityscapes image id in any of its file names: city_sequence_frame. */
  static final String ID = "([a-z]+_[0-9]+_[0-9]+)_";

  private SegmentAndEvaluate() {
  }

  static Dataset<Row> files(SparkSession spark, String glob, String column) {
    return spark.read().format("binaryFile").load(glob)
        .select(functions.regexp_extract(functions.col("path"), ID, 1).as("id"), functions.col("content").as(column));
  }

  /** mIoU, pixel accuracy and iIoU of the model on the split's images. */
  public static Map<String, Double> run(SparkSession spark, String cityscapesRoot, String split, String model) {
    Dataset<Row> images = files(spark, cityscapesRoot + "/leftImg8bit/" + split + "/*/*_leftImg8bit.png", "image");
    Dataset<Row> masks = new SemanticSegmenter()
        .setModelUri(model)
        .setDataset("cityscapes")   // masks in label ids; the protocol comes from the model card
        .setInputCol("image")
        .setIdCol("id")
        .transform(images);
    Dataset<Row> scored = masks
        .join(files(spark, cityscapesRoot + "/gtFine/" + split + "/*/*_gtFine_labelIds.png", "label"), "id")
        .join(files(spark, cityscapesRoot + "/gtFine/" + split + "/*/*_gtFine_instanceIds.png", "instances"), "id");
    SegmentationEvaluator evaluator = new SegmentationEvaluator().setDataset("cityscapes")
        .setLabelCol("label").setPredictionCol("mask").setInstanceCol("instances").setIdCol("id");
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (String name : new String[] {"mIoU", "pixelAccuracy", "iIoU"}) {
      metrics.put(name, evaluator.setMetricName(name).evaluate(scored));
    }
    return metrics;
  }

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: SegmentAndEvaluate CITYSCAPES_ROOT MODEL.pt");
      System.exit(2);
    }
    SparkSession spark = SparkSession.builder().appName("segeval example").getOrCreate();
    run(spark, args[0], "val", args[1]).forEach((k, v) -> System.out.printf("%s %.4f%n", k, v));
    spark.stop();
  }
}
