package dev.segeval.scoring;

import dev.segeval.datasets.HadoopPaths;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;

/**
 * Where a task thread gets the bytes of a file: straight from the file system, or from a {@link ReadAhead} that
 * fetched them while the previous images were scored. The exception types are the file system's own
 * ({@link java.io.FileNotFoundException} for a missing file), so failures are classified the same either way.
 */
@FunctionalInterface
public interface FileSource {
  byte[] read(String path) throws IOException;

  /** Reads each file when asked, through the run's Hadoop configuration. */
  static FileSource of(Configuration conf) {
    return path -> HadoopPaths.readAll(path, conf);
  }
}
