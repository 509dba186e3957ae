package dev.segeval.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Encodes rows as one Parquet file in memory, without a Spark SQL job: the file Spark itself writes for the same
 * rows (the same Parquet schema, as Spark's ParquetSchemaConverter makes it in its default, non-legacy layout,
 * snappy pages, and Spark's schema in the footer), so that {@code spark.read().parquet} gives back exactly the
 * {@link StructType} and the values.
 *
 * <p>Why: the result tables of a run are a few kilobytes, yet the first Spark SQL writes of a JVM cost seconds of
 * query planning, code generation and commit protocol (the demo spent 4.8 of its 8.6 s writing). Written this way
 * they cost milliseconds. Supports the types the project's tables use: int, long, double, boolean, string, and
 * arrays of those or of structs.
 */
public final class ParquetRows {
  /** The footer key under which Spark stores, and finds, the table's own schema. */
  static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

  private ParquetRows() {
  }

  /** One Parquet file holding the rows; a programming error (a type this writer does not know) throws at once. */
  public static byte[] encode(StructType schema, Iterable<Row> rows) throws IOException {
    return encode(schema, rows, java.util.Set.of());
  }

  /**
   * One Parquet file holding the rows, with the named columns (dotted Parquet paths, e.g.
   * {@code class_instances.list.element.tp_weighted_exact}) stored without a dictionary: for columns whose values
   * are all different (paths, ids, exact sums) a dictionary is built only to be dropped when it overflows.
   */
  public static byte[] encode(StructType schema, Iterable<Row> rows, java.util.Set<String> plainColumns)
      throws IOException {
    try (RowsWriter writer = writer(schema, plainColumns)) {
      for (Row row : rows) {
        writer.write(row);
      }
      return writer.finish();
    }
  }

  /**
   * A writer that takes rows one at a time, for tables too large to hold as rows first (images/ holds one per
   * image): only the encoded pages stay in memory.
   */
  public static RowsWriter writer(StructType schema, java.util.Set<String> plainColumns) throws IOException {
    InMemoryFile file = new InMemoryFile();
    Builder builder = new Builder(file, schema, messageType(schema))
        .withConf(new Configuration(false))
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE);
    for (String column : plainColumns) {
      builder = builder.withDictionaryEncoding(column, false);
    }
    return new RowsWriter(file, builder.build());
  }

  /** Rows encoded as they come into one in-memory Parquet file; {@link #finish} gives the file. */
  public static final class RowsWriter implements AutoCloseable {
    private final InMemoryFile file;
    private final ParquetWriter<Row> writer;
    private long rows;
    private boolean closed;

    private RowsWriter(InMemoryFile file, ParquetWriter<Row> writer) {
      this.file = file;
      this.writer = writer;
    }

    public void write(Row row) throws IOException {
      writer.write(row);
      rows++;
    }

    public long rows() {
      return rows;
    }

    /** Closes the file (footer written) and returns its bytes. */
    public byte[] finish() throws IOException {
      close();
      return file.bytes();
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        writer.close();
      }
    }
  }

  /**
   * One Parquet file holding the row groups of several files of the same schema, each file's row groups copied as
   * they are encoded (no row is decoded), with Spark's schema in the footer.
   */
  public static Concatenated concat(StructType schema, List<byte[]> files) throws IOException {
    InMemoryFile out = new InMemoryFile();
    ParquetFileWriter writer = new ParquetFileWriter(out, messageType(schema), ParquetFileWriter.Mode.CREATE,
        ParquetWriter.DEFAULT_BLOCK_SIZE, 0);
    writer.start();
    long rows = 0;
    for (byte[] file : files) {
      try (org.apache.parquet.hadoop.ParquetFileReader reader =
               org.apache.parquet.hadoop.ParquetFileReader.open(new InMemoryInput(file))) {
        rows += reader.getRecordCount();
        reader.appendTo(writer);
      }
    }
    writer.end(Map.of(SPARK_SCHEMA_KEY, schema.json()));
    return new Concatenated(out.bytes(), rows);
  }

  /** A Parquet file made by {@link #concat} and the number of rows in it. */
  public record Concatenated(byte[] bytes, long rows) {
  }

  /** Spark's Parquet schema for a struct type (spark_schema, optional fields, three-level lists). */
  static MessageType messageType(StructType schema) {
    Types.MessageTypeBuilder builder = Types.buildMessage();
    for (StructField f : schema.fields()) {
      builder.addField(fieldType(f.name(), f.dataType(), f.nullable()));
    }
    return builder.named("spark_schema");
  }

  private static Type fieldType(String name, DataType type, boolean nullable) {
    Type.Repetition repetition = nullable ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
    if (type.equals(DataTypes.IntegerType)) {
      return Types.primitive(PrimitiveTypeName.INT32, repetition).named(name);
    }
    if (type.equals(DataTypes.LongType)) {
      return Types.primitive(PrimitiveTypeName.INT64, repetition).named(name);
    }
    if (type.equals(DataTypes.DoubleType)) {
      return Types.primitive(PrimitiveTypeName.DOUBLE, repetition).named(name);
    }
    if (type.equals(DataTypes.BooleanType)) {
      return Types.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(name);
    }
    if (type.equals(DataTypes.StringType)) {
      return Types.primitive(PrimitiveTypeName.BINARY, repetition).as(LogicalTypeAnnotation.stringType())
          .named(name);
    }
    if (type instanceof StructType struct) {
      Types.GroupBuilder<GroupType> group = Types.buildGroup(repetition);
      for (StructField f : struct.fields()) {
        group.addField(fieldType(f.name(), f.dataType(), f.nullable()));
      }
      return group.named(name);
    }
    if (type instanceof ArrayType array) {
      return Types.buildGroup(repetition).as(LogicalTypeAnnotation.listType())
          .addField(Types.repeatedGroup()
              .addField(fieldType("element", array.elementType(), array.containsNull()))
              .named("list"))
          .named(name);
    }
    throw new IllegalArgumentException("ParquetRows cannot write column '" + name + "' of type " + type);
  }

  private static final class Builder extends ParquetWriter.Builder<Row, Builder> {
    private final StructType schema;
    private final MessageType message;

    Builder(OutputFile file, StructType schema, MessageType message) {
      super(file);
      this.schema = schema;
      this.message = message;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Row> getWriteSupport(Configuration conf) {
      return new RowWriteSupport(schema, message);
    }
  }

  private static final class RowWriteSupport extends WriteSupport<Row> {
    private final StructType schema;
    private final MessageType message;
    private RecordConsumer out;

    RowWriteSupport(StructType schema, MessageType message) {
      this.schema = schema;
      this.message = message;
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(message, Map.of(SPARK_SCHEMA_KEY, schema.json()));
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.out = recordConsumer;
    }

    @Override
    public void write(Row row) {
      out.startMessage();
      writeFields(schema, row);
      out.endMessage();
    }

    private void writeFields(StructType struct, Row row) {
      StructField[] fields = struct.fields();
      for (int i = 0; i < fields.length; i++) {
        if (row.isNullAt(i)) {
          if (!fields[i].nullable()) {
            throw new IllegalArgumentException("Column '" + fields[i].name() + "' is not nullable but is null");
          }
          continue;
        }
        out.startField(fields[i].name(), i);
        writeValue(fields[i].dataType(), row, i);
        out.endField(fields[i].name(), i);
      }
    }

    private void writeValue(DataType type, Row row, int i) {
      if (type instanceof ArrayType array) {
        writeList(array, elements(row, i));
      } else if (type instanceof StructType struct) {
        out.startGroup();
        writeFields(struct, row.getStruct(i));
        out.endGroup();
      } else {
        writePrimitive(type, row.get(i));
      }
    }

    private void writePrimitive(DataType type, Object value) {
      if (type.equals(DataTypes.IntegerType)) {
        out.addInteger((Integer) value);
      } else if (type.equals(DataTypes.LongType)) {
        out.addLong((Long) value);
      } else if (type.equals(DataTypes.DoubleType)) {
        out.addDouble((Double) value);
      } else if (type.equals(DataTypes.BooleanType)) {
        out.addBoolean((Boolean) value);
      } else if (type.equals(DataTypes.StringType)) {
        out.addBinary(Binary.fromString((String) value));
      } else {
        throw new IllegalArgumentException("ParquetRows cannot write a value of type " + type);
      }
    }

    private void writeList(ArrayType array, List<?> elements) {
      out.startGroup();
      if (!elements.isEmpty()) {
        out.startField("list", 0);
        for (Object e : elements) {
          out.startGroup();
          if (e != null) {
            out.startField("element", 0);
            if (array.elementType() instanceof StructType struct) {
              out.startGroup();
              writeFields(struct, (Row) e);
              out.endGroup();
            } else if (array.elementType() instanceof ArrayType) {
              throw new IllegalArgumentException("ParquetRows does not write nested arrays");
            } else {
              writePrimitive(array.elementType(), e);
            }
            out.endField("element", 0);
          } else if (!array.containsNull()) {
            throw new IllegalArgumentException("An array without nulls holds a null");
          }
          out.endGroup();
        }
        out.endField("list", 0);
      }
      out.endGroup();
    }

    /** Array values as rows built here hold them (Java arrays) or as Spark returns them (Scala sequences). */
    private static List<?> elements(Row row, int i) {
      Object value = row.get(i);
      if (value instanceof Object[] array) {
        return Arrays.asList(array);
      }
      if (value instanceof List<?> list) {
        return list;
      }
      return row.getList(i);
    }
  }

  /** A Parquet file held in memory, for reading. */
  private static final class InMemoryInput implements org.apache.parquet.io.InputFile {
    private final byte[] bytes;

    InMemoryInput(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public long getLength() {
      return bytes.length;
    }

    @Override
    public org.apache.parquet.io.SeekableInputStream newStream() {
      Positioned in = new Positioned(bytes);
      return new org.apache.parquet.io.DelegatingSeekableInputStream(in) {
        @Override
        public long getPos() {
          return in.position();
        }

        @Override
        public void seek(long position) throws IOException {
          if (position < 0 || position > bytes.length) {
            throw new java.io.EOFException("seek to " + position + " in a file of " + bytes.length + " bytes");
          }
          in.moveTo((int) position);
        }
      };
    }

    private static final class Positioned extends java.io.ByteArrayInputStream {
      Positioned(byte[] bytes) {
        super(bytes);
      }

      int position() {
        return pos;
      }

      void moveTo(int position) {
        pos = position;
      }
    }
  }

  /** A Parquet output file in memory, written to storage in one piece afterwards (atomically). */
  private static final class InMemoryFile implements OutputFile {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 14);

    byte[] bytes() {
      return buffer.toByteArray();
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
      return createOrOverwrite(blockSizeHint);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      buffer.reset();
      return new PositionOutputStream() {
        @Override
        public long getPos() {
          return buffer.size();
        }

        @Override
        public void write(int b) {
          buffer.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          buffer.write(b, off, len);
        }
      };
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }
}
