package dev.segeval.ml;

import dev.segeval.InvalidSettingException;
import dev.segeval.datasets.HadoopPaths;
import dev.segeval.imaging.ImageFormatException;
import dev.segeval.imaging.RgbImage;
import dev.segeval.inference.FlipMode;
import dev.segeval.inference.ImageSegmenter;
import dev.segeval.inference.InferenceOptions;
import dev.segeval.inference.ModelCard;
import dev.segeval.inference.ModelLoadException;
import dev.segeval.inference.ModelPredictions;
import dev.segeval.inference.Precision;
import dev.segeval.inference.ProtocolSettings;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.scoring.PredictionSource.PredictionException;
import dev.segeval.scoring.RunPlanner;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.spark.SerializableConfiguration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Runs a TorchScript PSPNet over a column of images, as a Spark ML {@link Transformer}, with the same code as
 * {@code evaluate --model} ({@link ImageSegmenter}): semseg's sliding-window test protocol (scales, flip, crop,
 * base size, stride rate) with windows batched per forward pass, the model loaded once per executor JVM and shared
 * by its tasks ({@code ModelCache}), PyTorch threads sized from the executor's cores.
 *
 * <p>Input: a binary column of encoded images ({@code spark.read.format("binaryFile")}'s {@code content}: PNG or
 * JPEG) or a column in Spark's image schema ({@code spark.read.format("image")}). Output: a binary column of
 * single-channel PNG masks, in the dataset's label ids when {@code dataset} is set (the files {@code evaluate
 * --save-predictions} writes under {@code ids/}, and what {@link SegmentationEvaluator} reads by default), else in
 * train ids. PNG because a mask compresses 10-50x (a 2048x1024 Cityscapes mask: 2 MB as {@code array<short>}, tens
 * of KB as PNG), stays readable by every image tool, and costs milliseconds to encode next to seconds of inference.
 * A row whose image cannot be used (not decodable, larger than {@code maxImagePixels}) gets a null mask and its
 * reason in {@code errorCol}; the evaluator refuses null masks, so such rows never change a metric unnoticed.
 *
 * <p>Protocol parameters left unset take the model card's values ({@code <model>.json} next to the model), else
 * semseg's defaults for the dataset, as {@code evaluate} does.
 */
public final class SemanticSegmenter extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final Param<String> errorCol;
  private final Param<String> idCol;
  private final Param<String> modelUri;
  private final Param<String> dataset;
  private final Param<String> labelsFile;
  private final DoubleArrayParam scales;
  private final Param<String> flip;
  private final IntParam cropHeight;
  private final IntParam cropWidth;
  private final IntParam baseSize;
  private final DoubleParam strideRate;
  private final IntParam batchSize;
  private final Param<String> device;
  private final Param<String> precision;
  private final IntParam intraOpThreads;
  private final LongParam maxImagePixels;

  public SemanticSegmenter() {
    this(Identifiable$.MODULE$.randomUID("semanticSegmenter"));
  }

  public SemanticSegmenter(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "column of images: binary (PNG/JPEG bytes) or Spark's image struct");
    outputCol = new Param<>(this, "outputCol", "column of predicted masks (single-channel PNG bytes)");
    errorCol = new Param<>(this, "errorCol", "column with why a row's mask is null (null when it is not)");
    idCol = new Param<>(this, "idCol", "column naming each row in messages (binaryFile: path); empty: none");
    modelUri = new Param<>(this, "modelUri", "the TorchScript model (any Hadoop URI)");
    dataset = new Param<>(this, "dataset",
        "labels table of the masks' label ids (cityscapes, ade20k, voc2012); empty: masks hold train ids");
    labelsFile = new Param<>(this, "labelsFile", "a custom labels table CSV; overrides dataset");
    scales = new DoubleArrayParam(this, "scales", "test scales, e.g. [1.0] or [0.5, ..., 1.75]; unset: card/dataset");
    flip = new Param<>(this, "flip", "flip augmentation: none, average (semseg) or caffe; empty: card/dataset");
    cropHeight = new IntParam(this, "cropHeight", "window height; 0: card/dataset");
    cropWidth = new IntParam(this, "cropWidth", "window width; 0: card/dataset");
    baseSize = new IntParam(this, "baseSize", "longer side at scale 1.0; 0: card/dataset");
    strideRate = new DoubleParam(this, "strideRate", "window stride as a fraction of the crop; 0: card/dataset");
    batchSize = new IntParam(this, "batchSize", "windows per forward pass; 0: chosen from the crop and device");
    device = new Param<>(this, "device", "auto (a GPU Spark assigned to the task, else CPU), cpu or gpu");
    precision = new Param<>(this, "precision", "fp32 (default), bf16 (CPU/GPU) or fp16 (GPU)");
    intraOpThreads = new IntParam(this, "intraOpThreads",
        "PyTorch threads per executor JVM; 0: the executor's cores shared among its images");
    maxImagePixels = new LongParam(this, "maxImagePixels", "images above this many pixels get a null mask");
    setDefault(inputCol, "content");
    setDefault(outputCol, "mask");
    setDefault(errorCol, "mask_error");
    setDefault(idCol, "path");
    setDefault(modelUri, "");
    setDefault(dataset, "");
    setDefault(labelsFile, "");
    setDefault(scales, new double[0]);
    setDefault(flip, "");
    setDefault(cropHeight, 0);
    setDefault(cropWidth, 0);
    setDefault(baseSize, 0);
    setDefault(strideRate, 0.0);
    setDefault(batchSize, ProtocolSettings.AUTO_BATCH);
    setDefault(device, "auto");
    setDefault(precision, "fp32");
    setDefault(intraOpThreads, 0);
    setDefault(maxImagePixels, 100_000_000L);
  }

  @Override
  public String uid() {
    return uid;
  }

  // Spark ML finds a stage's parameters through public no-argument methods returning them.
  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public Param<String> errorCol() {
    return errorCol;
  }

  public Param<String> idCol() {
    return idCol;
  }

  public Param<String> modelUri() {
    return modelUri;
  }

  public Param<String> dataset() {
    return dataset;
  }

  public Param<String> labelsFile() {
    return labelsFile;
  }

  public DoubleArrayParam scales() {
    return scales;
  }

  public Param<String> flip() {
    return flip;
  }

  public IntParam cropHeight() {
    return cropHeight;
  }

  public IntParam cropWidth() {
    return cropWidth;
  }

  public IntParam baseSize() {
    return baseSize;
  }

  public DoubleParam strideRate() {
    return strideRate;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public Param<String> device() {
    return device;
  }

  public Param<String> precision() {
    return precision;
  }

  public IntParam intraOpThreads() {
    return intraOpThreads;
  }

  public LongParam maxImagePixels() {
    return maxImagePixels;
  }

  public SemanticSegmenter setInputCol(String v) {
    return (SemanticSegmenter) set(inputCol, v);
  }

  public SemanticSegmenter setOutputCol(String v) {
    return (SemanticSegmenter) set(outputCol, v);
  }

  public SemanticSegmenter setErrorCol(String v) {
    return (SemanticSegmenter) set(errorCol, v);
  }

  public SemanticSegmenter setIdCol(String v) {
    return (SemanticSegmenter) set(idCol, v);
  }

  public SemanticSegmenter setModelUri(String v) {
    return (SemanticSegmenter) set(modelUri, v);
  }

  public SemanticSegmenter setDataset(String v) {
    return (SemanticSegmenter) set(dataset, v);
  }

  public SemanticSegmenter setLabelsFile(String v) {
    return (SemanticSegmenter) set(labelsFile, v);
  }

  public SemanticSegmenter setScales(double... v) {
    return (SemanticSegmenter) set(scales, v.clone());
  }

  public SemanticSegmenter setFlip(String v) {
    FlipMode.parse(v);
    return (SemanticSegmenter) set(flip, v);
  }

  public SemanticSegmenter setCropSize(int height, int width) {
    set(cropHeight, height);
    return (SemanticSegmenter) set(cropWidth, width);
  }

  public SemanticSegmenter setBaseSize(int v) {
    return (SemanticSegmenter) set(baseSize, v);
  }

  public SemanticSegmenter setStrideRate(double v) {
    return (SemanticSegmenter) set(strideRate, v);
  }

  public SemanticSegmenter setBatchSize(int v) {
    return (SemanticSegmenter) set(batchSize, v);
  }

  public SemanticSegmenter setDevice(String v) {
    return (SemanticSegmenter) set(device, v);
  }

  public SemanticSegmenter setPrecision(String v) {
    Precision.parse(v);
    return (SemanticSegmenter) set(precision, v);
  }

  public SemanticSegmenter setIntraOpThreads(int v) {
    return (SemanticSegmenter) set(intraOpThreads, v);
  }

  public SemanticSegmenter setMaxImagePixels(long v) {
    return (SemanticSegmenter) set(maxImagePixels, v);
  }

  /**
   * The inference options this stage runs with: semseg's defaults for the dataset, replaced by the model card's
   * protocol where the model has one, replaced by every parameter set here (the order {@code evaluate} uses).
   */
  public InferenceOptions inferenceOptions(Configuration conf) throws IOException {
    String uri = getOrDefault(modelUri);
    if (uri.isBlank()) {
      throw new InvalidSettingException("SemanticSegmenter: set modelUri to a TorchScript model");
    }
    String model = HadoopPaths.qualify(uri);
    String ds = getOrDefault(dataset);
    ProtocolSettings d = ProtocolSettings.defaults(ds.isEmpty() ? "default" : ds);
    Optional<ModelCard> card;
    try {
      card = ModelCard.near(model, conf);
    } catch (ModelLoadException e) {
      throw new InvalidSettingException(e.getMessage());
    }
    if (card.isPresent() && card.get().protocol() != null) {
      d = card.get().protocol().over(d);
    }
    double[] s = getOrDefault(scales);
    String f = getOrDefault(flip);
    int ch = intOf(cropHeight) > 0 ? intOf(cropHeight) : d.cropHeight();
    int cw = intOf(cropWidth) > 0 ? intOf(cropWidth) : d.cropWidth();
    int base = intOf(baseSize) > 0 ? intOf(baseSize) : d.baseSize();
    double stride = (Double) getOrDefault(strideRate) > 0 ? (Double) getOrDefault(strideRate) : d.strideRate();
    int batch = intOf(batchSize) > 0 ? intOf(batchSize) : d.batchSize();
    ProtocolSettings protocol = new ProtocolSettings(s.length > 0 ? s : d.scales(),
        f.isEmpty() ? d.flip() : FlipMode.parse(f), ch, cw, base, stride, batch);
    return new InferenceOptions(model, protocol, getOrDefault(device), intOf(intraOpThreads),
        (Long) getOrDefault(maxImagePixels), null, false, Precision.parse(getOrDefault(precision)));
  }

  // Scala's Int and Double parameters are Param<Object> to Java.
  private int intOf(IntParam p) {
    return (Integer) getOrDefault(p);
  }

  /** The label id of each train id when masks hold label ids, else null (masks hold train ids). */
  private ClassSpace classSpace(Configuration conf) throws IOException {
    String ds = getOrDefault(dataset);
    String file = getOrDefault(labelsFile);
    if (ds.isEmpty() && file.isEmpty()) {
      return null;
    }
    return new ClassSpace(RunPlanner.labelTable(ds, file.isEmpty() ? null : file, conf), PredictionEncoding.TRAIN_ID);
  }

  private static boolean isImageStruct(DataType t) {
    if (!(t instanceof StructType s)) {
      return false;
    }
    List<String> names = Arrays.asList(s.fieldNames());
    return names.containsAll(List.of("height", "width", "nChannels", "data"));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String in = getOrDefault(inputCol);
    if (!Arrays.asList(schema.fieldNames()).contains(in)) {
      throw new IllegalArgumentException("SemanticSegmenter: no input column '" + in + "' in " + schema.simpleString()
          + "; set inputCol (binaryFile: content; image source: image)");
    }
    DataType type = schema.apply(in).dataType();
    if (!(type instanceof BinaryType) && !isImageStruct(type)) {
      throw new IllegalArgumentException("SemanticSegmenter: input column '" + in + "' is " + type.simpleString()
          + "; expected binary (encoded PNG/JPEG) or Spark's image struct");
    }
    for (String out : List.of(getOrDefault(outputCol), getOrDefault(errorCol))) {
      if (Arrays.asList(schema.fieldNames()).contains(out)) {
        throw new IllegalArgumentException("SemanticSegmenter: output column '" + out + "' exists already");
      }
    }
    return schema.add(new StructField(getOrDefault(outputCol), DataTypes.BinaryType, true,
            org.apache.spark.sql.types.Metadata.empty()))
        .add(new StructField(getOrDefault(errorCol), DataTypes.StringType, true,
            org.apache.spark.sql.types.Metadata.empty()));
  }

  @Override
  public Dataset<Row> transform(Dataset<?> data) {
    StructType outSchema = transformSchema(data.schema());
    SparkSession spark = data.sparkSession();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    InferenceOptions options;
    int[] labelIds = null;
    try {
      options = inferenceOptions(conf);
      ClassSpace space = classSpace(conf);
      if (space != null) {
        // On the driver, as evaluate does: the model must predict the labels table's classes.
        ModelPredictions.validate(options, space, conf, EvaluateJob.taskResources());
        labelIds = ImageSegmenter.labelIdOfClass(space);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StructType inSchema = data.schema();
    String in = getOrDefault(inputCol);
    String id = getOrDefault(idCol);
    int idIndex = !id.isEmpty() && Arrays.asList(inSchema.fieldNames()).contains(id) ? inSchema.fieldIndex(id) : -1;
    Broadcast<byte[]> confBc = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
        .broadcast(SerializableConfiguration.bytes(conf));
    var rows = data.toDF().javaRDD().mapPartitions(new SegmentRows(options, labelIds, inSchema.fieldIndex(in),
        isImageStruct(inSchema.apply(in).dataType()), idIndex, confBc));
    return spark.createDataFrame(rows, outSchema);
  }

  @Override
  public SemanticSegmenter copy(ParamMap extra) {
    return (SemanticSegmenter) defaultCopy(extra);
  }

  public static MLReader<SemanticSegmenter> read() {
    return new DefaultParamsReader<>();
  }

  public static SemanticSegmenter load(String path) {
    return read().load(path);
  }

  /** On the executors: one {@link ImageSegmenter} per task, each row extended by its mask and error. */
  static final class SegmentRows implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    private final InferenceOptions options;
    private final int[] labelIds;
    private final int input;
    private final boolean imageStruct;
    private final int idIndex;
    private final Broadcast<byte[]> conf;

    SegmentRows(InferenceOptions options, int[] labelIds, int input, boolean imageStruct, int idIndex,
                Broadcast<byte[]> conf) {
      this.options = options;
      this.labelIds = labelIds;
      this.input = input;
      this.imageStruct = imageStruct;
      this.idIndex = idIndex;
      this.conf = conf;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws IOException {
      if (!rows.hasNext()) {
        return java.util.Collections.emptyIterator();
      }
      ImageSegmenter segmenter = new ImageSegmenter(options, SerializableConfiguration.of(conf.value()),
          EvaluateJob.taskResources());
      // The task's share of the cores ends with its rows, or with the task when a consumer stops early (limit).
      org.apache.spark.TaskContext context = org.apache.spark.TaskContext.get();
      if (context != null) {
        context.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> segmenter.close());
      }
      // Lazily, row by row: a partition's masks are never all held at once.
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          if (rows.hasNext()) {
            return true;
          }
          segmenter.close();
          return false;
        }

        @Override
        public Row next() {
          Row row = rows.next();
          Object[] values = new Object[row.length() + 2];
          for (int i = 0; i < row.length(); i++) {
            values[i] = row.get(i);
          }
          String name = idIndex >= 0 && !row.isNullAt(idIndex) ? String.valueOf(row.get(idIndex)) : "row";
          if (idIndex < 0 && imageStruct && !row.isNullAt(input)) {
            // Spark's image source names each image in the struct itself.
            Row image = row.getStruct(input);
            int origin = java.util.Arrays.asList(image.schema().fieldNames()).indexOf("origin");
            if (origin >= 0 && !image.isNullAt(origin)) {
              name = image.getString(origin);
            }
          }
          try {
            if (row.isNullAt(input)) {
              throw new ImageFormatException(name, "no image (null)");
            }
            RgbImage image = imageStruct ? fromImageStruct(row.getStruct(input), name)
                : segmenter.decode((byte[]) row.get(input), name);
            int[] trainIds = segmenter.segment(image, name);
            values[row.length()] = ImageSegmenter.maskPng(trainIds, image.width(), image.height(), labelIds);
          } catch (ImageFormatException | PredictionException e) {
            values[row.length() + 1] = e.getMessage();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return RowFactory.create(values);
        }
      };
    }
  }

  /**
   * Spark's image schema: rows of {@code nChannels} bytes per pixel in OpenCV's order (B, G, R[, A]), no padding;
   * one channel is grey.
   */
  static RgbImage fromImageStruct(Row image, String name) throws ImageFormatException {
    int height = image.getInt(image.fieldIndex("height"));
    int width = image.getInt(image.fieldIndex("width"));
    int channels = image.getInt(image.fieldIndex("nChannels"));
    byte[] data = (byte[]) image.get(image.fieldIndex("data"));
    if (width < 0 || height < 0 || (channels != 1 && channels != 3 && channels != 4) || data == null
        || data.length != (long) width * height * channels) {
      throw new ImageFormatException(name, String.format(java.util.Locale.ROOT,
          "not a usable image struct (%dx%d, %d channels, %d bytes)", width, height, channels,
          data == null ? 0 : data.length));
    }
    int[] rgb = new int[width * height];
    for (int i = 0, p = 0; i < rgb.length; i++, p += channels) {
      if (channels == 1) {
        int g = data[p] & 0xff;
        rgb[i] = g << 16 | g << 8 | g;
      } else {
        rgb[i] = (data[p + 2] & 0xff) << 16 | (data[p + 1] & 0xff) << 8 | data[p] & 0xff;
      }
    }
    return new RgbImage(width, height, rgb);
  }
}
