package dev.segeval.ml;

import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.RunAggregate;
import dev.segeval.scoring.RunPlanner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import scala.Tuple2;
import scala.Tuple3;

/**
 * The metrics as Spark SQL aggregate functions over columns of encoded masks (PNG bytes), for tables of masks that
 * already exist:
 *
 * <pre>{@code
 * SegEvalFunctions.register(spark, "cityscapes", "labelId");
 * spark.sql("SELECT model, segeval_miou(label, prediction), segeval_iiou(label, prediction, instances) "
 *     + "FROM masks GROUP BY model");
 * }</pre>
 *
 * <p>Each function scores its group's rows with the metric core of {@code evaluate} and returns the exact value
 * {@code evaluate} would (NULL where the metric is undefined, e.g. iIoU of a group without instances); a row that
 * cannot be scored, or a systematic mistake such as train ids read as label ids, fails the query with its message.
 */
public final class SegEvalFunctions {
  private SegEvalFunctions() {
  }

  /** SQL name to metric name; the {@code iiou} functions take a third column, the instanceIds PNG. */
  public static Map<String, String> names() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("segeval_miou", "mIoU");
    m.put("segeval_pixel_accuracy", "pixelAccuracy");
    m.put("segeval_mean_accuracy", "meanAccuracy");
    m.put("segeval_fwiou", "fwIoU");
    m.put("segeval_category_iou", "categoryIoU");
    m.put("segeval_iiou", "iIoU");
    m.put("segeval_category_iiou", "categoryIIoU");
    return m;
  }

  /** Registers every function for a built-in dataset's labels table, absent classes excluded (official). */
  public static void register(SparkSession spark, String dataset, String predictionEncoding) {
    register(spark, dataset, null, predictionEncoding, "exclude");
  }

  /**
   * Registers every function of {@link #names()} with the given labels table (a built-in dataset, or a custom CSV
   * when {@code labelsFile} is not null), prediction encoding and absent-class policy.
   */
  public static void register(SparkSession spark, String dataset, String labelsFile, String predictionEncoding,
                              String absentClassPolicy) {
    ClassSpace space;
    try {
      space = new ClassSpace(RunPlanner.labelTable(dataset, labelsFile, spark.sparkContext().hadoopConfiguration()),
          PredictionEncoding.parse(predictionEncoding));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AbsentClassPolicy policy = AbsentClassPolicy.parse(absentClassPolicy);
    Encoder<Tuple2<byte[], byte[]>> two = Encoders.tuple(Encoders.BINARY(), Encoders.BINARY());
    Encoder<Tuple3<byte[], byte[], byte[]>> three = Encoders.tuple(Encoders.BINARY(), Encoders.BINARY(),
        Encoders.BINARY());
    names().forEach((sqlName, metric) -> {
      if (metric.equals("iIoU") || metric.equals("categoryIIoU")) {
        spark.udf().register(sqlName, functions.udaf(new MetricFunction<Tuple3<byte[], byte[], byte[]>>(space, policy,
            metric), three));
      } else {
        spark.udf().register(sqlName, functions.udaf(new MetricFunction<Tuple2<byte[], byte[]>>(space, policy,
            metric), two));
      }
    });
  }

  /**
   * One metric over rows of (label, prediction) or (label, prediction, instances) masks: Spark passes them as a
   * Scala tuple of the function's arity, read here by position.
   */
  static final class MetricFunction<IN extends scala.Product> extends MaskAggregator<IN, Double> {
    private static final long serialVersionUID = 1L;
    private final AbsentClassPolicy policy;
    private final String metric;

    MetricFunction(ClassSpace space, AbsentClassPolicy policy, String metric) {
      super(space);
      this.policy = policy;
      this.metric = metric;
    }

    @Override
    protected String id(IN row) {
      return null;
    }

    @Override
    protected byte[] labels(IN row) {
      return (byte[]) row.productElement(0);
    }

    @Override
    protected byte[] prediction(IN row) {
      return (byte[]) row.productElement(1);
    }

    @Override
    protected byte[] instances(IN row) {
      return row.productArity() > 2 ? (byte[]) row.productElement(2) : null;
    }

    /** The metric of a group, or null where it is undefined. */
    @Override
    public Double finish(RunAggregate merged) {
      double v = Metrics.value(Metrics.report(space, merged, policy), metric);
      return Double.isNaN(v) ? null : v;
    }

    @Override
    public Encoder<Double> outputEncoder() {
      return Encoders.DOUBLE();
    }
  }
}
