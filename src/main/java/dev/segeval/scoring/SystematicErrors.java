package dev.segeval.scoring;

import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.Label;
import dev.segeval.labels.PredictionEncoding;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Tells a systematic mistake in a run's input from scattered bad images, after scoring, from what the run has at
 * hand: failures by kind and the sampled raw value pairs ({@link ValuePairs}). A systematic mistake gets one
 * message naming the likely cause and the fix, and the run fails with exit code 2; {@code --allow-failures} is
 * never the advice for it, because accepting it would publish wrong numbers.
 *
 * <p>The encoding check re-reads the sampled prediction values under the other encoding: predictions whose mean
 * class recall is far higher when read as train ids than as label ids (or the reverse; for ADE20K the two
 * encodings differ by one) were saved in the other encoding. Mean class recall, not pixel agreement: a model that
 * predicts one value everywhere reaches at most 1 / (classes present) under any reading, so on a two-class table
 * where one class covers 80 % of the pixels it is not mistaken for an encoding shift. A poor model does not
 * trigger it either, because it agrees with the ground truth under neither reading.
 */
public final class SystematicErrors {
  /** Fewer sampled evaluated pixels than this are too few to judge an encoding. */
  static final long MIN_SAMPLED_PIXELS = 500;
  /** A ground-truth class counts towards the mean recall with at least this many sampled pixels. */
  static final long MIN_CLASS_SUPPORT = 20;
  /** The other reading must reach at least this mean class recall over the sampled pixels... */
  static final double MIN_ALTERNATIVE_AGREEMENT = 0.5;
  /** ...and this many times as often as the reading that was used. */
  static final double MIN_AGREEMENT_RATIO = 2.0;

  private SystematicErrors() {
  }

  /**
   * @param space           the class space the run scored in
   * @param aggregate       the run's merged results
   * @param images          the number of images of the run
   * @param folderPredictions whether predictions were read from files (a model's are train ids by construction)
   * @return the one-line explanation of a systematic mistake, if there is one
   */
  public static Optional<String> explain(ClassSpace space, RunAggregate aggregate, long images,
                                         boolean folderPredictions) {
    if (folderPredictions) {
      Optional<String> encoding = encodingMixUp(space, aggregate, images);
      if (encoding.isPresent()) {
        return encoding;
      }
    }
    return failurePattern(aggregate, images);
  }

  static Optional<String> encodingMixUp(ClassSpace space, RunAggregate aggregate, long images) {
    PredictionEncoding used = space.encoding();
    PredictionEncoding other = used == PredictionEncoding.LABEL_ID ? PredictionEncoding.TRAIN_ID
        : PredictionEncoding.LABEL_ID;
    ClassSpace alternative = new ClassSpace(space.table(), other);
    if (java.util.Arrays.equals(space.predictionLut(), alternative.predictionLut())) {
      return Optional.empty(); // both readings are the same for this table (VOC)
    }
    int[] gtLut = space.groundTruthLut();
    int[] usedLut = space.predictionLut();
    int[] otherLut = alternative.predictionLut();
    int classes = space.numClasses();
    long[] support = new long[classes];
    long[] hitsUsed = new long[classes];
    long[] hitsOther = new long[classes];
    long sampled = 0;
    for (Map.Entry<Long, Long> e : aggregate.valuePairs().counts().entrySet()) {
      int g = ValuePairs.groundTruthOf(e.getKey());
      int p = ValuePairs.predictionOf(e.getKey());
      if (g < 0 || g >= gtLut.length || gtLut[g] < 0 || p < 0 || p >= usedLut.length) {
        continue; // ignored or invalid ground truth: judged by neither reading
      }
      int c = gtLut[g];
      long n = e.getValue();
      sampled += n;
      support[c] += n;
      if (usedLut[p] == c) {
        hitsUsed[c] += n;
      }
      if (otherLut[p] == c) {
        hitsOther[c] += n;
      }
    }
    int present = 0;
    double recallUsed = 0;
    double recallOther = 0;
    for (int c = 0; c < classes; c++) {
      if (support[c] >= MIN_CLASS_SUPPORT) {
        present++;
        recallUsed += (double) hitsUsed[c] / support[c];
        recallOther += (double) hitsOther[c] / support[c];
      }
    }
    if (sampled < MIN_SAMPLED_PIXELS || present < 2) {
      return Optional.empty();
    }
    double used01 = recallUsed / present;
    double other01 = recallOther / present;
    if (other01 < MIN_ALTERNATIVE_AGREEMENT || other01 < MIN_AGREEMENT_RATIO * used01) {
      return Optional.empty();
    }
    long failed = aggregate.failedImages();
    return Optional.of(String.format(Locale.ROOT,
        "Cannot score these predictions as %s: they look like %s (%s). Read as %s their mean class recall "
            + "over sampled pixels is %.1f %%, read as %s %.1f %%; %d of %d images failed%s. Rerun with "
            + "--prediction-encoding %s.",
        used.cliName(), describe(space.table().evaluatedClasses(), other), other == PredictionEncoding.TRAIN_ID
            ? "the dense class indices a network outputs" : "the values of the dataset's label files",
        used.cliName(), 100 * used01, other.cliName(), 100 * other01, failed, images,
        failed == 0 ? "" : " on values the " + used.cliName() + " encoding does not allow", other.cliName()));
  }

  /** The values of an encoding, e.g. "train ids 0..18 (255: no prediction)" or "label ids 1..150". */
  static String describe(List<Label> classes, PredictionEncoding encoding) {
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    for (Label l : classes) {
      int v = encoding == PredictionEncoding.TRAIN_ID ? l.trainId() : l.id();
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return encoding == PredictionEncoding.TRAIN_ID
        ? String.format(Locale.ROOT, "train ids %d..%d (255: no prediction)", min, max)
        : String.format(Locale.ROOT, "label ids %d..%d", min, max);
  }

  static Optional<String> failurePattern(RunAggregate aggregate, long images) {
    Map<ImageFailure.Kind, Long> byKind = aggregate.failuresByKind();
    Long colour = byKind.get(ImageFailure.Kind.MULTI_CHANNEL_PREDICTION);
    // Nearly every image: a few colour files among good ones are bad images to name one by one, not a pattern.
    if (colour != null && colour >= 2 && colour * 10 >= images * 9) {
      return Optional.of(String.format(Locale.ROOT,
          "Cannot score: %d of %d predictions are colour (multi-channel) PNGs where a single-channel map of "
              + "class values is expected, e.g. %s. Save predictions as greyscale or palette PNGs holding the class "
              + "value of each pixel (for VOC, the class index 0..20, as in SegmentationClass/), not as colour "
              + "visualisations.", colour, images, aggregate.exampleByKind().get(ImageFailure.Kind.MULTI_CHANNEL_PREDICTION)));
    }
    if (aggregate.okImages() > 0 || images < 2) {
      return Optional.empty();
    }
    if (byKind.size() > 1) {
      StringBuilder kinds = new StringBuilder();
      byKind.forEach((k, n) -> kinds.append(kinds.length() == 0 ? "" : ", ").append(n).append(' ').append(k.label()));
      ImageFailure.Kind most = byKind.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
      return Optional.of(String.format(Locale.ROOT, "Cannot score: none of the %d images could be scored (%s), "
          + "e.g. %s; there are no metrics to publish: fix the input (see images/ for every image) and rerun.",
          images, kinds, aggregate.exampleByKind().get(most)));
    }
    ImageFailure.Kind kind = byKind.keySet().iterator().next();
    String example = aggregate.exampleByKind().get(kind);
    String advice = switch (kind) {
      case MISSING_PREDICTION -> "check --predictions and the file names (Cityscapes: <city>_<seq>_<frame>*.png; "
          + "other datasets: <image id>.png)";
      case SIZE_MISMATCH -> "predictions must have the size of the ground-truth label files (resize them back "
          + "to the label resolution before saving)";
      case PREDICTION_VALUE -> "check --prediction-encoding and the labels table (--dataset, --labels)";
      case LABEL_VALUE -> "check --dataset or --labels: the ground truth does not use this labels table";
      case MISSING_FILE -> "check --data-root and --split";
      case IMAGE_TOO_LARGE -> "raise --max-image-pixels if the executors have the memory for such images";
      default -> "every image has the same problem; fix the input and rerun";
    };
    return Optional.of(String.format(Locale.ROOT, "Cannot score: all %d images failed with %s, e.g. %s; %s.",
        images, kind.label(), example, advice));
  }
}
