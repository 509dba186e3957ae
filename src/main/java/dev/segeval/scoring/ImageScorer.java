package dev.segeval.scoring;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.imaging.IndexImage;
import dev.segeval.imaging.PngDecoder;
import dev.segeval.labels.ClassSpace;
import dev.segeval.metrics.InvalidPixelException;
import dev.segeval.metrics.PixelScorer;
import dev.segeval.metrics.SegmentationStats;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads, decodes and scores one image at a time; every problem of the image becomes a failed
 * {@link ImageResult} naming the file, never an exception that stops the run. One instance per thread.
 * Used identically by the Spark job and by the single-threaded reference path.
 */
public final class ImageScorer implements AutoCloseable {
  private final ClassSpace space;
  private final Configuration conf;
  private final PixelScorer pixels;
  private final PredictionSource.Reader predictions;
  // Decode buffers reused from image to image (same-size datasets need no new arrays).
  private int[] groundTruthBuffer;
  private int[] instanceBuffer;

  public ImageScorer(ClassSpace space, PredictionSource source, Configuration conf) throws IOException {
    this.space = space;
    this.conf = conf;
    this.pixels = new PixelScorer(space);
    this.predictions = source.open(conf);
  }

  public ImageResult score(ScoringTask task) {
    long start = System.nanoTime();
    var sample = task.sample();
    try {
      IndexImage gt = PngDecoder.decodeIndexInto(HadoopPaths.readAll(sample.labelPath(), conf), sample.labelPath(),
          groundTruthBuffer);
      groundTruthBuffer = gt.values();
      int[] instances = null;
      if (space.instanceEvaluation() && sample.instancePath() != null) {
        IndexImage inst = PngDecoder.decodeIndexInto(HadoopPaths.readAll(sample.instancePath(), conf),
            sample.instancePath(), instanceBuffer);
        instanceBuffer = inst.values();
        if (inst.width() != gt.width() || inst.height() != gt.height()) {
          return ImageResult.failed(task, String.format(Locale.ROOT, "%s: instance map is %dx%d but labels are %dx%d",
              sample.instancePath(), inst.width(), inst.height(), gt.width(), gt.height()), seconds(start));
        }
        instances = inst.values();
      }
      int[] prediction = predictions.predict(task, gt.width(), gt.height());
      SegmentationStats stats;
      try {
        stats = pixels.score(gt.values(), prediction, instances, gt.width());
      } catch (InvalidPixelException e) {
        String file = e.getMessage().startsWith("prediction") ? task.predictionPath()
            : e.getMessage().startsWith("instance") ? sample.instancePath() : sample.labelPath();
        return ImageResult.failed(task, file + ": " + e.getMessage(), seconds(start));
      }
      return new ImageResult(sample.id(), sample.imagePath(), sample.labelPath(), task.predictionPath(),
          ImageResult.Status.OK, null, gt.width(), gt.height(), stats, seconds(start), null);
    } catch (PredictionSource.PredictionException e) {
      return ImageResult.failed(task, e.getMessage(), seconds(start));
    } catch (FileNotFoundException e) {
      return ImageResult.failed(task, "file not found: " + e.getMessage(), seconds(start));
    } catch (IOException | RuntimeException e) {
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return ImageResult.failed(task, msg, seconds(start));
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  @Override
  public void close() throws Exception {
    predictions.close();
  }
}
