package dev.segeval.scoring;

import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import java.io.Serializable;

/**
 * A validated description of one evaluation run. Only this small spec travels to executors.
 *
 * @param dataset        layout name (cityscapes, ade20k, voc2012, folder)
 * @param labelsFile     custom labels CSV (required for "folder", optional override otherwise), or null
 * @param dataRoot       dataset root URI
 * @param split          split name (val, train, ...)
 * @param predictions    where predictions come from
 * @param encoding       how prediction values are read
 * @param absentPolicy   how classes absent from both sides enter the means
 * @param output         output root URI
 * @param runId          identifies this run's rows in every table; a rerun with the same id replaces them
 * @param partitions     number of Spark partitions, 0 for automatic
 * @param instances      whether to compute Cityscapes instance statistics (iIoU)
 */
public record EvaluationSpec(String dataset, String labelsFile, String dataRoot, String split,
                             PredictionSource predictions, PredictionEncoding encoding,
                             AbsentClassPolicy absentPolicy, String output, String runId, int partitions,
                             boolean instances) implements Serializable {
}
