package dev.segeval.spark;

import dev.segeval.datasets.HadoopPaths;
import java.io.IOException;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Commits the Parquet files of a table or of one table partition ({@code <output>/<table>/run_id=<id>/}): the
 * files are written under a hidden staging folder next to it (Spark's partition discovery skips names starting with '.'), then the
 * old partition is removed and the staging folder renamed into its place, as Spark's overwrite of a path does.
 * Each part file is written atomically under a name fixed by its partition number and the write, so a retried
 * task replaces its earlier attempt's file instead of adding a second one.
 */
final class ResultTableFiles {
  private ResultTableFiles() {
  }

  /** A new staging folder for the files that will replace the folder {@code target}: hidden, next to it. */
  static String stage(String target) {
    Path t = new Path(target);
    return new Path(t.getParent(), ".staging-" + t.getName() + "-" + UUID.randomUUID()).toString();
  }

  /** Replaces the folder {@code target} by one Parquet file of the rows, written on this JVM. */
  static void replaceWith(String target, org.apache.spark.sql.types.StructType schema,
                          java.util.List<org.apache.spark.sql.Row> rows, Configuration conf) throws IOException {
    String staging = stage(target);
    writePart(staging, 0, ParquetRows.encode(schema, rows), conf);
    commit(staging, target, conf);
  }

  /**
   * Writes one part file, named by its partition and by the write it belongs to (the staging folder's UUID), as
   * Spark names its own: a retried task replaces its earlier attempt's file, and a table rewritten later never holds
   * a file of the same path with other content. Readers that keep a file's length from an earlier listing (Spark 4
   * hands it to S3A's openFile) would otherwise read a new, shorter file with the old length and fail at its footer.
   */
  static void writePart(String staging, int partition, byte[] parquet, Configuration conf) throws IOException {
    String name = new Path(staging).getName();
    String write = name.substring(Math.max(0, name.length() - 36)); // the UUID that stage() appended
    HadoopPaths.writeAtomically(HadoopPaths.join(staging,
        String.format(Locale.ROOT, "part-%05d-%s.snappy.parquet", partition, write)), parquet, conf);
  }

  /** Removes a staging folder that was not committed (a run that failed after writing into it). */
  static void discard(String staging, Configuration conf) throws IOException {
    Path p = new Path(staging);
    FileSystem fs = p.getFileSystem(conf);
    if (fs.exists(p)) {
      fs.delete(p, true);
      // The table's folder, when the staging folder was all it held (the first run into this output failed).
      Path table = p.getParent();
      if (fs.exists(table) && fs.listStatus(table).length == 0) {
        fs.delete(table, false);
      }
    }
  }

  /** Replaces {@code target} by the staging folder. */
  static void commit(String staging, String target, Configuration conf) throws IOException {
    Path from = new Path(staging);
    Path to = new Path(target);
    FileSystem fs = to.getFileSystem(conf);
    if (fs.exists(to) && !fs.delete(to, true)) {
      throw new IOException("Cannot replace " + HadoopPaths.redact(target));
    }
    if (!fs.rename(from, to)) {
      throw new IOException("Cannot rename " + HadoopPaths.redact(staging) + " to " + HadoopPaths.redact(target));
    }
  }
}
