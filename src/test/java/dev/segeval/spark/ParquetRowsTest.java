package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written without Spark SQL read back through Spark exactly as Spark's own files of the same rows. */
class ParquetRowsTest {
  @TempDir
  Path tmp;

  @Test
  void imagesRowsReadBackAsSparkWritesThem() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Row cell = RowFactory.create(1, 2, 30L);
    Row inst = RowFactory.create(11, 5L, 1L, 0.25, 1.5, "0.25", "1.5");
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create("a", "img/a.png", "gt/a.png", null, "ok", null, null, 64, 32, 2000L, 1900L, 48L,
        0.71, 0.95, 0.5, "host-1", new Row[] {cell, RowFactory.create(0, 0, 1970L)}, new Row[] {inst},
        new Row[0]));
    rows.add(RowFactory.create("b", "img/b.png", "gt/b.png", null, "failed", "corrupt-image",
        "img/b.png: not a PNG", null, null, null, null, null, null, null, 0.1, "host-2", new Row[0], new Row[0],
        new Row[0]));
    rows.add(RowFactory.create("c\u00e9", "img/c.png", "gt/c.png", "p/c.png", "ok", null, null, 1, 1, 1L, 0L,
        0L, Double.NaN, 0.0, 0.0, "host-1", new Row[] {cell}, new Row[0], new Row[] {inst}));
    Path ours = tmp.resolve("ours.snappy.parquet");
    Files.write(ours, ParquetRows.encode(ResultTables.IMAGES, rows));
    String theirs = tmp.resolve("theirs").toString();
    spark.createDataFrame(rows, ResultTables.IMAGES).coalesce(1).write().parquet(theirs);

    Dataset<Row> a = spark.read().parquet(ours.toString());
    Dataset<Row> b = spark.read().parquet(theirs);
    assertEquals(b.schema(), a.schema());
    assertEquals(b.orderBy("image_id").collectAsList(), a.orderBy("image_id").collectAsList());
    Row first = a.orderBy("image_id").first();
    assertEquals(30L, first.<Row>getList(first.fieldIndex("confusion")).get(0).getLong(2));

    // Written as the job writes images/: one row at a time, the unique columns without a dictionary.
    Path streamed = tmp.resolve("streamed.snappy.parquet");
    try (ParquetRows.RowsWriter w = ParquetRows.writer(ResultTables.IMAGES, ResultTables.IMAGES_PLAIN_COLUMNS)) {
      for (Row r : rows) {
        w.write(r);
      }
      assertEquals(3, w.rows());
      Files.write(streamed, w.finish());
    }
    Dataset<Row> c = spark.read().parquet(streamed.toString());
    assertEquals(b.schema(), c.schema());
    assertEquals(b.orderBy("image_id").collectAsList(), c.orderBy("image_id").collectAsList());
    // A mistyped column path would silently keep its dictionary: every one names a column of the table.
    org.apache.parquet.schema.MessageType message = ParquetRows.messageType(ResultTables.IMAGES);
    for (String column : ResultTables.IMAGES_PLAIN_COLUMNS) {
      assertTrue(message.containsPath(column.split("\\.")), column);
    }
  }

  @Test
  void noRowsStillCarryTheSchemaAndScalarArraysWork() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path empty = tmp.resolve("empty.parquet");
    Files.write(empty, ParquetRows.encode(ResultTables.SUMMARY, List.of()));
    Dataset<Row> read = spark.read().parquet(empty.toString());
    assertEquals(ResultTables.SUMMARY.fieldNames().length, read.schema().fields().length);
    assertEquals(SparkTestSession.get().createDataFrame(List.of(), ResultTables.SUMMARY).schema().json(),
        read.schema().json());
    assertEquals(0, read.count());

    StructType scalars = new StructType().add("flag", DataTypes.BooleanType)
        .add("values", DataTypes.createArrayType(DataTypes.DoubleType, true))
        .add("required", DataTypes.LongType, false);
    Path file = tmp.resolve("scalars.parquet");
    Files.write(file, ParquetRows.encode(scalars, List.of(
        RowFactory.create(true, new Double[] {1.5, null, -2.0}, 7L),
        RowFactory.create(null, null, 8L))));
    List<Row> back = spark.read().parquet(file.toString()).collectAsList();
    assertEquals(true, back.get(0).getBoolean(0));
    assertEquals(java.util.Arrays.asList(1.5, null, -2.0), back.get(0).getList(1));
    assertEquals(7L, back.get(0).getLong(2));
    assertEquals(8L, back.get(1).getLong(2));
    assertEquals(true, back.get(1).isNullAt(0));
  }

  @Test
  void concatenatedFilesReadBackAsAllTheirRows() throws Exception {
    SparkSession spark = SparkTestSession.get();
    StructType schema = new StructType().add("id", DataTypes.StringType)
        .add("cells", DataTypes.createArrayType(new StructType().add("k", DataTypes.IntegerType)
            .add("n", DataTypes.LongType), false))
        .add("score", DataTypes.DoubleType);
    List<Row> all = new ArrayList<>();
    List<byte[]> files = new ArrayList<>();
    for (int f = 0; f < 3; f++) {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < 2 + f; i++) {
        rows.add(RowFactory.create("f" + f + "-" + i, new Row[] {RowFactory.create(i, 10L * f + i)},
            f == 1 ? null : 0.5 * i));
      }
      all.addAll(rows);
      files.add(ParquetRows.encode(schema, rows, java.util.Set.of("id")));
    }
    Path joined = tmp.resolve("joined.snappy.parquet");
    ParquetRows.Concatenated concatenated = ParquetRows.concat(schema, files);
    assertEquals(9, concatenated.rows());
    Files.write(joined, concatenated.bytes());
    Dataset<Row> back = spark.read().parquet(joined.toString());
    assertEquals(9, back.count());
    assertEquals(spark.createDataFrame(all, schema).orderBy("id").collectAsList(), back.orderBy("id").collectAsList());
    // One row group per file, copied as encoded.
    try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(
        org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(joined.toUri()),
            new org.apache.hadoop.conf.Configuration()))) {
      assertEquals(3, reader.getRowGroups().size());
      assertEquals(schema.json(), reader.getFooter().getFileMetaData().getKeyValueMetaData()
          .get(ParquetRows.SPARK_SCHEMA_KEY));
    }
    Path single = tmp.resolve("single.snappy.parquet");
    Files.write(single, files.get(0));
    assertEquals(spark.read().parquet(single.toString()).schema(), back.schema());
  }

  @Test
  void aNullInARequiredColumnIsAProgrammingError() {
    StructType schema = new StructType().add("id", DataTypes.LongType, false);
    assertThrows(IllegalArgumentException.class,
        () -> ParquetRows.encode(schema, List.of(RowFactory.create((Object) null))));
  }
}
