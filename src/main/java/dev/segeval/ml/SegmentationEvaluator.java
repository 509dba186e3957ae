package dev.segeval.ml;

import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.metrics.MetricReport;
import dev.segeval.scoring.RunAggregate;
import dev.segeval.scoring.RunPlanner;
import dev.segeval.spark.ResultTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import scala.Tuple4;

/**
 * Scores mask columns exactly as {@code evaluate} does, as a Spark ML {@link Evaluator}: label and prediction
 * masks as encoded PNGs (a {@code binaryFile} DataFrame's {@code content}, or {@link SemanticSegmenter}'s output),
 * optionally Cityscapes instanceIds PNGs for iIoU. Per-row statistics are merged with a Spark aggregator
 * ({@link MaskAggregator}), so the value does not depend on partitioning or row order. Any row that cannot be
 * scored fails the evaluation with its message.
 *
 * <pre>{@code
 * double miou = new SegmentationEvaluator().setDataset("cityscapes").setLabelCol("label")
 *     .setPredictionCol("mask").setMetricName("mIoU").evaluate(masks);
 * Dataset<Row> perClass = evaluator.classReport(masks);   // the columns of evaluate's classes/ table
 * }</pre>
 */
public final class SegmentationEvaluator extends Evaluator implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final Param<String> labelCol;
  private final Param<String> predictionCol;
  private final Param<String> instanceCol;
  private final Param<String> idCol;
  private final Param<String> dataset;
  private final Param<String> labelsFile;
  private final Param<String> predictionEncoding;
  private final Param<String> absentClassPolicy;
  private final Param<String> metricName;

  public SegmentationEvaluator() {
    this(Identifiable$.MODULE$.randomUID("segmentationEvaluator"));
  }

  public SegmentationEvaluator(String uid) {
    this.uid = uid;
    labelCol = new Param<>(this, "labelCol", "column of ground-truth label PNGs (binary)");
    predictionCol = new Param<>(this, "predictionCol", "column of prediction mask PNGs (binary)");
    instanceCol = new Param<>(this, "instanceCol",
        "column of Cityscapes instanceIds PNGs (binary) for iIoU; empty: no instances");
    idCol = new Param<>(this, "idCol", "column naming each row in error messages (e.g. path); empty: none");
    dataset = new Param<>(this, "dataset", "built-in labels table: cityscapes, ade20k or voc2012");
    labelsFile = new Param<>(this, "labelsFile", "a custom labels table CSV (any Hadoop URI); overrides dataset");
    predictionEncoding = new Param<>(this, "predictionEncoding",
        "what prediction values mean: labelId (the label files' ids; SemanticSegmenter's default) or trainId");
    absentClassPolicy = new Param<>(this, "absentClassPolicy",
        "classes absent from labels and predictions: exclude (official) or zero");
    metricName = new Param<>(this, "metricName", "metric returned by evaluate: " + String.join(", ", Metrics.NAMES));
    setDefault(labelCol, "label");
    setDefault(predictionCol, "mask");
    setDefault(instanceCol, "");
    setDefault(idCol, "");
    setDefault(dataset, "cityscapes");
    setDefault(labelsFile, "");
    setDefault(predictionEncoding, "labelId");
    setDefault(absentClassPolicy, "exclude");
    setDefault(metricName, "mIoU");
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> labelCol() {
    return labelCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public Param<String> instanceCol() {
    return instanceCol;
  }

  public Param<String> idCol() {
    return idCol;
  }

  public Param<String> dataset() {
    return dataset;
  }

  public Param<String> labelsFile() {
    return labelsFile;
  }

  public Param<String> predictionEncoding() {
    return predictionEncoding;
  }

  public Param<String> absentClassPolicy() {
    return absentClassPolicy;
  }

  public Param<String> metricName() {
    return metricName;
  }

  public SegmentationEvaluator setLabelCol(String v) {
    return (SegmentationEvaluator) set(labelCol, v);
  }

  public SegmentationEvaluator setPredictionCol(String v) {
    return (SegmentationEvaluator) set(predictionCol, v);
  }

  public SegmentationEvaluator setInstanceCol(String v) {
    return (SegmentationEvaluator) set(instanceCol, v);
  }

  public SegmentationEvaluator setIdCol(String v) {
    return (SegmentationEvaluator) set(idCol, v);
  }

  public SegmentationEvaluator setDataset(String v) {
    return (SegmentationEvaluator) set(dataset, v);
  }

  public SegmentationEvaluator setLabelsFile(String v) {
    return (SegmentationEvaluator) set(labelsFile, v);
  }

  public SegmentationEvaluator setPredictionEncoding(String v) {
    PredictionEncoding.parse(v); // fails early, naming the choices
    return (SegmentationEvaluator) set(predictionEncoding, v);
  }

  public SegmentationEvaluator setAbsentClassPolicy(String v) {
    AbsentClassPolicy.parse(v);
    return (SegmentationEvaluator) set(absentClassPolicy, v);
  }

  public SegmentationEvaluator setMetricName(String v) {
    return (SegmentationEvaluator) set(metricName, Metrics.canonical(v));
  }

  public String getMetricName() {
    return getOrDefault(metricName);
  }

  /** The class space the masks are scored in (labels table and prediction encoding), resolved on the driver. */
  public ClassSpace classSpace(Dataset<?> data) {
    String file = getOrDefault(labelsFile);
    try {
      LabelTable table = RunPlanner.labelTable(getOrDefault(dataset), file.isEmpty() ? null : file,
          data.sparkSession().sparkContext().hadoopConfiguration());
      return new ClassSpace(table, PredictionEncoding.parse(getOrDefault(predictionEncoding)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every row's statistics merged (with failed rows counted, not scored). */
  public RunAggregate aggregate(Dataset<?> data) {
    return aggregate(data, classSpace(data));
  }

  private RunAggregate aggregate(Dataset<?> data, ClassSpace space) {
    Column none = functions.lit(null).cast(DataTypes.BinaryType);
    String inst = getOrDefault(instanceCol);
    String id = getOrDefault(idCol);
    Dataset<Tuple4<byte[], byte[], byte[], String>> rows = data.select(
            functions.col(getOrDefault(labelCol)), functions.col(getOrDefault(predictionCol)),
            inst.isEmpty() ? none : functions.col(inst),
            id.isEmpty() ? functions.lit(null).cast(DataTypes.StringType) : functions.col(id).cast(DataTypes.StringType))
        .as(Encoders.tuple(Encoders.BINARY(), Encoders.BINARY(), Encoders.BINARY(), Encoders.STRING()));
    return rows.select(new RowsAggregator(space).toColumn()).first();
  }

  /** The whole report of the masks, after the checks (no failed row, no systematic mistake). */
  public MetricReport report(Dataset<?> data) {
    return report(data, classSpace(data));
  }

  private MetricReport report(Dataset<?> data, ClassSpace space) {
    return Metrics.report(space, aggregate(data, space), AbsentClassPolicy.parse(getOrDefault(absentClassPolicy)));
  }

  @Override
  public double evaluate(Dataset<?> data) {
    return Metrics.value(report(data), getOrDefault(metricName));
  }

  /** Per-class metrics with the columns of {@code evaluate}'s {@code classes/} table (without run_id). */
  public Dataset<Row> classReport(Dataset<?> data) {
    ClassSpace space = classSpace(data);
    return data.sparkSession().createDataFrame(ResultTables.classRows(space, report(data, space)),
        ResultTables.CLASSES);
  }

  /** Per-category metrics with the columns of {@code evaluate}'s {@code categories/} table (Cityscapes). */
  public Dataset<Row> categoryReport(Dataset<?> data) {
    return data.sparkSession().createDataFrame(ResultTables.categoryRows(report(data)), ResultTables.CATEGORIES);
  }

  @Override
  public boolean isLargerBetter() {
    return true;
  }

  @Override
  public SegmentationEvaluator copy(ParamMap extra) {
    return (SegmentationEvaluator) defaultCopy(extra);
  }

  public static MLReader<SegmentationEvaluator> read() {
    return new DefaultParamsReader<>();
  }

  public static SegmentationEvaluator load(String path) {
    return read().load(path);
  }

  /** Rows of (labels, prediction, instances, id) into the merged statistics. */
  static final class RowsAggregator extends MaskAggregator<Tuple4<byte[], byte[], byte[], String>, RunAggregate> {
    private static final long serialVersionUID = 1L;

    RowsAggregator(ClassSpace space) {
      super(space);
    }

    @Override
    protected String id(Tuple4<byte[], byte[], byte[], String> row) {
      return row._4();
    }

    @Override
    protected byte[] labels(Tuple4<byte[], byte[], byte[], String> row) {
      return row._1();
    }

    @Override
    protected byte[] prediction(Tuple4<byte[], byte[], byte[], String> row) {
      return row._2();
    }

    @Override
    protected byte[] instances(Tuple4<byte[], byte[], byte[], String> row) {
      return row._3();
    }

    @Override
    public RunAggregate finish(RunAggregate reduction) {
      return reduction;
    }

    @Override
    public org.apache.spark.sql.Encoder<RunAggregate> outputEncoder() {
      return bufferEncoder();
    }
  }
}
