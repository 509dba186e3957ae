package dev.segeval.spark;

import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.InstanceStats;
import dev.segeval.metrics.MetricReport;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.report.RunInfo;
import dev.segeval.scoring.ImageResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Schemas and rows of the Parquet tables written under the output root, each partitioned by {@code run_id}
 * (a directory {@code <table>/run_id=<id>/}). Column meanings are documented in README.md ("Output schema").
 */
public final class ResultTables {
  private ResultTables() {
  }

  public static final StructType CELL = new StructType(new StructField[] {
      field("gt", DataTypes.IntegerType), field("pred", DataTypes.IntegerType), field("count", DataTypes.LongType)});

  public static final StructType INSTANCE_TOTALS = new StructType(new StructField[] {
      field("index", DataTypes.IntegerType), field("tp", DataTypes.LongType), field("fn", DataTypes.LongType),
      field("tp_weighted", DataTypes.DoubleType), field("fn_weighted", DataTypes.DoubleType),
      field("tp_weighted_exact", DataTypes.StringType), field("fn_weighted_exact", DataTypes.StringType)});

  public static final StructType IMAGES = new StructType(new StructField[] {
      field("image_id", DataTypes.StringType), field("image_path", DataTypes.StringType),
      field("label_path", DataTypes.StringType), field("prediction_path", DataTypes.StringType),
      field("status", DataTypes.StringType), field("error_kind", DataTypes.StringType),
      field("error", DataTypes.StringType),
      field("width", DataTypes.IntegerType), field("height", DataTypes.IntegerType),
      field("evaluated_pixels", DataTypes.LongType), field("correct_pixels", DataTypes.LongType),
      field("ignored_pixels", DataTypes.LongType), field("miou", DataTypes.DoubleType),
      field("pixel_accuracy", DataTypes.DoubleType), field("seconds", DataTypes.DoubleType),
      field("worker", DataTypes.StringType),
      field("confusion", DataTypes.createArrayType(CELL, false)),
      field("class_instances", DataTypes.createArrayType(INSTANCE_TOTALS, false)),
      field("category_instances", DataTypes.createArrayType(INSTANCE_TOTALS, false))});

  /**
   * Columns of images/ whose values are (nearly) all different: stored without a dictionary, which Parquet would
   * build only to drop it when it overflows.
   */
  public static final java.util.Set<String> IMAGES_PLAIN_COLUMNS = java.util.Set.of("image_id", "image_path",
      "label_path", "prediction_path", "error", "class_instances.list.element.tp_weighted_exact",
      "class_instances.list.element.fn_weighted_exact", "category_instances.list.element.tp_weighted_exact",
      "category_instances.list.element.fn_weighted_exact");

  public static final StructType CLASSES = new StructType(new StructField[] {
      field("class_index", DataTypes.IntegerType), field("label_id", DataTypes.IntegerType),
      field("name", DataTypes.StringType), field("category", DataTypes.StringType),
      field("iou", DataTypes.DoubleType), field("accuracy", DataTypes.DoubleType),
      field("precision", DataTypes.DoubleType), field("dice", DataTypes.DoubleType),
      field("iiou", DataTypes.DoubleType), field("tp", DataTypes.LongType), field("fp", DataTypes.LongType),
      field("fn", DataTypes.LongType), field("gt_pixels", DataTypes.LongType),
      field("pred_pixels", DataTypes.LongType), field("tp_weighted", DataTypes.DoubleType),
      field("fn_weighted", DataTypes.DoubleType)});

  public static final StructType CATEGORIES = new StructType(new StructField[] {
      field("category_index", DataTypes.IntegerType), field("name", DataTypes.StringType),
      field("iou", DataTypes.DoubleType), field("iiou", DataTypes.DoubleType), field("tp", DataTypes.LongType),
      field("fp", DataTypes.LongType), field("fn", DataTypes.LongType)});

  public static final StructType CONFUSION = new StructType(new StructField[] {
      field("gt_index", DataTypes.IntegerType), field("gt_name", DataTypes.StringType),
      field("pred_index", DataTypes.IntegerType), field("pred_name", DataTypes.StringType),
      field("pred_value", DataTypes.IntegerType), field("count", DataTypes.LongType)});

  public static final StructType SUMMARY = new StructType(new StructField[] {
      field("dataset", DataTypes.StringType), field("split", DataTypes.StringType),
      field("data_root", DataTypes.StringType), field("predictions", DataTypes.StringType),
      field("prediction_encoding", DataTypes.StringType), field("absent_class_policy", DataTypes.StringType),
      field("started_at", DataTypes.StringType), field("spark_master", DataTypes.StringType),
      field("tool_version", DataTypes.StringType), field("image_count", DataTypes.LongType),
      field("ok_count", DataTypes.LongType), field("failed_count", DataTypes.LongType),
      field("miou", DataTypes.DoubleType), field("pixel_accuracy", DataTypes.DoubleType),
      field("mean_accuracy", DataTypes.DoubleType), field("fw_iou", DataTypes.DoubleType),
      field("iiou", DataTypes.DoubleType), field("category_iou", DataTypes.DoubleType),
      field("category_iiou", DataTypes.DoubleType), field("evaluated_pixels", DataTypes.LongType),
      field("correct_pixels", DataTypes.LongType), field("ignored_pixels", DataTypes.LongType),
      field("listing_seconds", DataTypes.DoubleType), field("scoring_seconds", DataTypes.DoubleType),
      field("writing_seconds", DataTypes.DoubleType), field("total_seconds", DataTypes.DoubleType)});

  private static StructField field(String name, org.apache.spark.sql.types.DataType type) {
    return DataTypes.createStructField(name, type, true);
  }

  // Array columns are given as Java arrays: Spark's row encoder takes arrays or Scala sequences, not Lists.

  /**
   * One images/ row, from the result and its metrics (computed with the run's absent-class policy; null for a
   * failed image).
   */
  public static Row imageRow(ImageResult r, MetricReport m) {
    if (!r.ok()) {
      return RowFactory.create(r.id(), r.imagePath(), r.labelPath(), r.predictionPath(), r.status().label(),
          r.failure().kind().label(), r.error(), null, null, null, null, null, null, null, r.seconds(), r.worker(), new Row[0], new Row[0],
          new Row[0]);
    }
    SegmentationStats s = r.stats();
    List<Row> cells = new ArrayList<>();
    for (long[] c : s.confusion().nonZeroCells()) {
      cells.add(RowFactory.create((int) c[0], (int) c[1], c[2]));
    }
    List<Row> classInst = new ArrayList<>();
    List<Row> catInst = new ArrayList<>();
    InstanceStats inst = s.instances();
    if (inst != null) {
      for (int c = 0; c < inst.numClasses(); c++) {
        if (inst.classTp(c) + inst.classFn(c) > 0) {
          classInst.add(RowFactory.create(c, inst.classTp(c), inst.classFn(c), inst.classTpWeighted(c),
              inst.classFnWeighted(c), inst.classTpWeightedExactString(c),
              inst.classFnWeightedExactString(c)));
        }
      }
      for (int k = 0; k < inst.numCategories(); k++) {
        if (inst.categoryTp(k) + inst.categoryFn(k) > 0) {
          catInst.add(RowFactory.create(k, inst.categoryTp(k), inst.categoryFn(k), inst.categoryTpWeighted(k),
              inst.categoryFnWeighted(k), inst.categoryTpWeightedExactString(k),
              inst.categoryFnWeightedExactString(k)));
        }
      }
    }
    return RowFactory.create(r.id(), r.imagePath(), r.labelPath(), r.predictionPath(), r.status().label(), null,
        null, r.width(), r.height(), m.evaluatedPixels(), m.correctPixels(), m.ignoredPixels(), m.meanIou(),
        m.pixelAccuracy(), r.seconds(), r.worker(), cells.toArray(new Row[0]), classInst.toArray(new Row[0]),
        catInst.toArray(new Row[0]));
  }

  public static List<Row> classRows(ClassSpace space, MetricReport m) {
    List<Row> rows = new ArrayList<>();
    for (MetricReport.ClassMetrics c : m.classes()) {
      int cat = space.classCategory(c.index());
      rows.add(RowFactory.create(c.index(), c.labelId(), c.name(), cat < 0 ? null : space.categories().get(cat),
          c.iou(), c.accuracy(), c.precision(), c.dice(), c.iiou(), c.truePositives(), c.falsePositives(),
          c.falseNegatives(), c.groundTruthPixels(), c.predictedPixels(), c.weightedTruePositives(),
          c.weightedFalseNegatives()));
    }
    return rows;
  }

  public static List<Row> categoryRows(MetricReport m) {
    List<Row> rows = new ArrayList<>();
    for (MetricReport.CategoryMetrics c : m.categories()) {
      rows.add(RowFactory.create(c.index(), c.name(), c.iou(), c.iiou(), c.truePositives(), c.falsePositives(),
          c.falseNegatives()));
    }
    return rows;
  }

  public static List<Row> confusionRows(ClassSpace space, SegmentationStats s) {
    List<Row> rows = new ArrayList<>();
    for (long[] c : s.confusion().nonZeroCells()) {
      int gt = (int) c[0];
      int pred = (int) c[1];
      rows.add(RowFactory.create(gt, space.className(gt), pred, space.columnName(pred), space.columnValue(pred),
          c[2]));
    }
    return rows;
  }

  public static Row summaryRow(RunInfo run, MetricReport m) {
    return RowFactory.create(run.dataset(), run.split(), run.dataRoot(), run.predictions(), run.predictionEncoding(),
        run.absentClassPolicy(), run.startedAt(), run.sparkMaster(), run.toolVersion(), run.imageCount(),
        run.okCount(), run.failedCount(), m.meanIou(), m.pixelAccuracy(), m.meanAccuracy(),
        m.frequencyWeightedIou(), m.meanInstanceIou(), m.categoryMeanIou(), m.categoryMeanInstanceIou(),
        m.evaluatedPixels(), m.correctPixels(), m.ignoredPixels(), run.listingSeconds(), run.scoringSeconds(),
        run.writingSeconds(), run.totalSeconds());
  }

  /**
   * Rebuilds the statistics of stored images/ rows, so that any subset of images can be re-scored without
   * reading pixels. Weighted instance counts come back exactly (the stored exact decimal sums), so the whole run
   * restored equals the run bit for bit; tables written before those columns existed give the per-image doubles.
   */
  public static SegmentationStats restore(ClassSpace space, Iterable<Row> imageRows) {
    SegmentationStats total = SegmentationStats.empty(space);
    for (Row row : imageRows) {
      if (!"ok".equals(row.getAs("status"))) {
        continue;
      }
      total.merge(restoreImage(space, row));
    }
    return total;
  }

  /** The statistics of one stored images/ row of a scored image. */
  public static SegmentationStats restoreImage(ClassSpace space, Row row) {
    SegmentationStats total = SegmentationStats.empty(space);
    Object ignored = row.getAs("ignored_pixels");
    total.addIgnoredPixels(ignored == null ? 0L : (Long) ignored);
    for (Row cell : row.<Row>getList(row.fieldIndex("confusion"))) {
      total.confusion().add(cell.getInt(0), cell.getInt(1), cell.getLong(2));
    }
    if (total.instances() != null) {
      for (Row t : row.<Row>getList(row.fieldIndex("class_instances"))) {
        if (hasExact(t)) {
          total.instances().addClassTotals(t.getInt(0), t.getLong(1), t.getLong(2),
              new java.math.BigDecimal(t.getString(5)), new java.math.BigDecimal(t.getString(6)));
        } else {
          total.instances().addClassTotals(t.getInt(0), t.getLong(1), t.getLong(2), t.getDouble(3),
              t.getDouble(4));
        }
      }
      for (Row t : row.<Row>getList(row.fieldIndex("category_instances"))) {
        if (hasExact(t)) {
          total.instances().addCategoryTotals(t.getInt(0), t.getLong(1), t.getLong(2),
              new java.math.BigDecimal(t.getString(5)), new java.math.BigDecimal(t.getString(6)));
        } else {
          total.instances().addCategoryTotals(t.getInt(0), t.getLong(1), t.getLong(2), t.getDouble(3),
              t.getDouble(4));
        }
      }
    }
    return total;
  }

  private static boolean hasExact(Row t) {
    return t.length() > 6 && !t.isNullAt(5) && !t.isNullAt(6);
  }
}
