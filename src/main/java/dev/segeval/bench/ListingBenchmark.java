package dev.segeval.bench;

import dev.segeval.datasets.HadoopPaths;
import java.io.IOException;
import java.time.Instant;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Listing a folder tree of images: the project's listing ({@link HadoopPaths#listFilesRecursive}) against Hadoop's
 * own recursive {@code FileSystem.listFiles} (the baseline), on the same tree in the same JVM, alternating, the
 * fastest of the rounds counting. Both must find the same files.
 */
public final class ListingBenchmark {
  private ListingBenchmark() {
  }

  public record Result(String root, int files, double projectSeconds, double hadoopSeconds) {
  }

  public static Result run(String root, int rounds, Configuration conf) throws IOException {
    double ours = Double.MAX_VALUE;
    double hadoop = Double.MAX_VALUE;
    int files = -1;
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      int n = HadoopPaths.listFilesRecursive(root, conf).size();
      ours = Math.min(ours, (System.nanoTime() - t0) / 1e9);
      t0 = System.nanoTime();
      int m = hadoopListFiles(root, conf);
      hadoop = Math.min(hadoop, (System.nanoTime() - t0) / 1e9);
      if (n != m || files >= 0 && n != files) {
        throw new IllegalStateException("The listings disagree: " + n + " files against Hadoop's " + m);
      }
      files = n;
    }
    return new Result(HadoopPaths.redact(root), files, ours, hadoop);
  }

  static int hadoopListFiles(String root, Configuration conf) throws IOException {
    Path dir = new Path(root);
    FileSystem fs = dir.getFileSystem(conf);
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    int n = 0;
    while (it.hasNext()) {
      it.next();
      n++;
    }
    return n;
  }

  public static String markdown(Result r, String command) {
    return String.format(Locale.ROOT, "## listing, %s%n%nCommand: `%s`  %nMachine: %s.%n%n"
        + "| root | files | project listing (s) | Hadoop listFiles (s) | speed-up |%n|---|---:|---:|---:|---:|%n"
        + "| %s | %d | %.3f | %.3f | %.1fx |%n", Instant.now(), command, MarkdownResults.machine(), r.root(),
        r.files(), r.projectSeconds(), r.hadoopSeconds(), r.hadoopSeconds() / r.projectSeconds());
  }
}
