package dev.segeval.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.spark.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** show prints a Parquet table as CSV or JSON lines: partition columns, nulls, quoting, exact doubles, filters. */
class ShowCommandTest {
  @TempDir
  Path tmp;

  static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = SegEval.execute(args);
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
    return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void printsEveryRowWithItsPartitionAndExactValues() throws Exception {
    StructType schema = new StructType().add("name", DataTypes.StringType).add("iou", DataTypes.DoubleType)
        .add("tp", DataTypes.LongType).add("run_id", DataTypes.StringType);
    double third = 1.0 / 3;
    List<Row> rows = List.of(RowFactory.create("road", 0.1 + 0.2, 7L, "a"),
        RowFactory.create("traffic light, \"big\"", null, 0L, "a"), RowFactory.create("sky", third, 3L, "b"));
    Path table = tmp.resolve("classes");
    SparkTestSession.get().createDataFrame(rows, schema).write().partitionBy("run_id").parquet(table.toString());

    String[] csv = run("show", "--table", table.toString(), "--where", "run_id = 'a'");
    assertEquals("0", csv[0], csv[2]);
    List<String> lines = csv[1].lines().sorted().toList();
    assertEquals(List.of("\"traffic light, \"\"big\"\"\",,0,a", "name,iou,tp,run_id", "road,"
        + (0.1 + 0.2) + ",7,a"), lines);
    assertEquals(0.1 + 0.2, Double.parseDouble(lines.get(2).split(",")[1]), 0, "shortest exact form");

    String[] json = run("show", "--table", table.toUri().toString(), "--format", "json", "--where", "tp = 3");
    assertEquals("0", json[0], json[2]);
    JsonNode n = new ObjectMapper().readTree(json[1].strip());
    assertEquals(third, n.get("iou").asDouble(), 0);
    assertEquals("b", n.get("run_id").asText());

    String[] badFormat = run("show", "--table", table.toString(), "--format", "xml");
    assertEquals("2", badFormat[0]);
    assertTrue(badFormat[2].contains("Cannot use --format xml: expected csv or json"), badFormat[2]);
    String[] badWhere = run("show", "--table", table.toString(), "--where", "nope = 1");
    assertEquals("2", badWhere[0]);
    assertTrue(badWhere[2].contains("Cannot use --where \"nope = 1\""), badWhere[2]);
    String[] missing = run("show", "--table", tmp.resolve("none").toString());
    assertEquals("2", missing[0]);
    assertTrue(missing[2].contains("no such folder"), missing[2]);
  }
}
