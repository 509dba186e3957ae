package dev.segeval.cli;

import dev.segeval.InvalidSettingException;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.spark.SparkSessions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Prints one of the tool's Parquet tables as CSV or JSON lines, for tools that have no Parquet "
        + "reader (Debian 12's pandas has no pyarrow; notebooks/segeval_data.py falls back to this).",
        "Reads any Hadoop URI with Spark, partition columns (run_id=..., table=...) included, and writes the rows "
            + "to stdout: CSV with a header (RFC 4180 quoting; nulls as empty fields) or one JSON object per line "
            + "(nulls as null).",
        "",
        "Examples:",
        "  segeval show --table target/demo/results/classes --where \"run_id = 'demo'\"",
        "  segeval show --table target/nightly/history --format json"})
final class ShowCommand implements Callable<Integer> {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  @Option(names = "--table", required = true, paramLabel = "URI",
      description = "A Parquet table folder: <output>/images, classes, runs, categories; a suite's history or "
          + "baselines; a tables output's table.")
  String table;

  @Option(names = "--format", defaultValue = "csv", paramLabel = "csv|json",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--where", paramLabel = "SQL",
      description = "Keep only the rows matching this Spark SQL condition, e.g. \"run_id = 'demo'\".")
  String where;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    String fmt = format.toLowerCase(Locale.ROOT);
    if (!fmt.equals("csv") && !fmt.equals("json")) {
      throw new InvalidSettingException("Cannot use --format " + format + ": expected csv or json");
    }
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.getOrCreate("segeval show", master, new HashMap<>());
    try {
      String uri = HadoopPaths.qualify(table);
      if (!HadoopPaths.isDirectory(uri, spark.sparkContext().hadoopConfiguration())) {
        throw new InvalidSettingException("Cannot show --table " + HadoopPaths.redact(uri) + ": no such folder (a "
            + "table is a folder of Parquet files, e.g. <output>/classes)");
      }
      Dataset<Row> rows = spark.read().parquet(uri);
      if (where != null) {
        try {
          rows = rows.where(where);
        } catch (Exception e) {
          // Scala does not declare it: a condition that does not parse or names no column.
          if (e instanceof org.apache.spark.sql.AnalysisException a) {
            throw new InvalidSettingException("Cannot use --where \"" + where + "\": " + a.getSimpleMessage(), e);
          }
          throw e;
        }
      }
      PrintStream out = new PrintStream(new java.io.BufferedOutputStream(System.out, 1 << 16), false,
          StandardCharsets.UTF_8);
      StructField[] fields = rows.schema().fields();
      if (fmt.equals("csv")) {
        StringBuilder header = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
          header.append(i == 0 ? "" : ",").append(csv(fields[i].name()));
        }
        out.println(header);
      }
      for (Iterator<Row> it = rows.toLocalIterator(); it.hasNext(); ) {
        Row r = it.next();
        if (fmt.equals("csv")) {
          StringBuilder line = new StringBuilder();
          for (int i = 0; i < fields.length; i++) {
            line.append(i == 0 ? "" : ",").append(r.isNullAt(i) ? "" : csv(text(r.get(i))));
          }
          out.println(line);
        } else {
          com.fasterxml.jackson.databind.node.ObjectNode n = JSON.createObjectNode();
          for (int i = 0; i < fields.length; i++) {
            n.set(fields[i].name(), r.isNullAt(i) ? n.nullNode() : JSON.valueToTree(plain(r.get(i))));
          }
          out.println(JSON.writeValueAsString(n));
        }
      }
      out.flush();
      return SegEval.EXIT_OK;
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }

  /** Doubles in full precision (Java's shortest round-trip form), everything else as Spark gives it. */
  private static String text(Object v) {
    Object p = plain(v);
    return p instanceof java.util.Collection<?> || p instanceof java.util.Map<?, ?>
        ? JSON.valueToTree(p).toString() : String.valueOf(p);
  }

  /** Scala collections and rows as Java lists and maps, so that JSON shows them as arrays and objects. */
  private static Object plain(Object v) {
    if (v instanceof scala.collection.Seq<?> seq) {
      java.util.List<Object> out = new java.util.ArrayList<>();
      scala.collection.JavaConverters.seqAsJavaList(seq).forEach(e -> out.add(plain(e)));
      return out;
    }
    if (v instanceof scala.collection.Map<?, ?> map) {
      java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
      scala.collection.JavaConverters.mapAsJavaMap(map).forEach((k, e) -> out.put(String.valueOf(k), plain(e)));
      return out;
    }
    if (v instanceof Row row) {
      java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
      for (int i = 0; i < row.size(); i++) {
        out.put(row.schema().fields()[i].name(), row.isNullAt(i) ? null : plain(row.get(i)));
      }
      return out;
    }
    if (v instanceof java.math.BigDecimal d) {
      return d.toPlainString();
    }
    return v;
  }

  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
        ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
