package dev.segeval.ml;

import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.scoring.ImageScorer;
import dev.segeval.scoring.RunAggregate;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.expressions.Aggregator;

/**
 * The metric core as a Spark {@link Aggregator}: each input row holds encoded masks (label PNG, prediction PNG,
 * optionally the instanceIds PNG), scored by the same {@link ImageScorer} as {@code evaluate}; the buffer is the
 * job's own {@link RunAggregate}, whose merge is exact and order-independent (integer counts, exact instance
 * weights), so Spark may reduce the rows in any order and partitioning.
 *
 * @param <IN>  the row type (a tuple of the mask columns)
 * @param <OUT> what {@link #finish} makes of the merged statistics
 */
public abstract class MaskAggregator<IN, OUT> extends Aggregator<IN, RunAggregate, OUT> {
  private static final long serialVersionUID = 1L;
  protected final ClassSpace space;
  // One scorer per task: the aggregator is deserialised for each task, and a scorer's buffers are reused per row.
  private transient ImageScorer scorer;

  protected MaskAggregator(ClassSpace space) {
    this.space = space;
  }

  /** The row's name in messages (an id or path column), or null. */
  protected abstract String id(IN row);

  protected abstract byte[] labels(IN row);

  protected abstract byte[] prediction(IN row);

  /** The instanceIds PNG, or null. */
  protected abstract byte[] instances(IN row);

  @Override
  public RunAggregate zero() {
    return new RunAggregate(SegmentationStats.empty(space));
  }

  @Override
  public RunAggregate reduce(RunAggregate buffer, IN row) {
    if (scorer == null) {
      scorer = new ImageScorer(space);
    }
    String id = id(row);
    return buffer.add(scorer.scoreEncoded(id == null ? "a row" : id, labels(row), instances(row), prediction(row)));
  }

  @Override
  public RunAggregate merge(RunAggregate a, RunAggregate b) {
    return a.merge(b);
  }

  @Override
  public Encoder<RunAggregate> bufferEncoder() {
    return Encoders.javaSerialization(RunAggregate.class);
  }
}
