package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.segeval.cli.SegEval;
import dev.segeval.datasets.Sample;
import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.SegmentationStats;
import dev.segeval.report.HtmlReports;
import dev.segeval.report.RunInfo;
import dev.segeval.runs.RunDirectory;
import dev.segeval.scoring.ImageFailure;
import dev.segeval.scoring.RunAggregate;
import dev.segeval.scoring.ScoringTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs under {@code spark.serializer=KryoSerializer}, as clusters often configure it and as a user's own session
 * may be: no registrator of the project's is involved.
 */
class KryoSerializerTest {
  @TempDir
  Path tmp;

  private static SerializerInstance kryo() {
    return new KryoSerializer(new SparkConf(false)).newInstance();
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(SerializerInstance s, T value) {
    scala.reflect.ClassTag<Object> any = scala.reflect.ClassTag$.MODULE$.apply(Object.class);
    return (T) s.deserialize(s.serialize(value, any), any);
  }

  @Test
  void shippedTasksResultsAndEntriesSurviveKryo() {
    SerializerInstance s = kryo();
    Sample sample = new Sample("lindau_000000_000019",
        "file:/d/leftImg8bit/val/lindau/lindau_000000_000019_leftImg8bit.png",
        "file:/d/gtFine/val/lindau/lindau_000000_000019_gtFine_labelIds.png",
        "file:/d/gtFine/val/lindau/lindau_000000_000019_gtFine_instanceIds.png");
    List<ScoringTask> tasks = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      tasks.add(i % 3 == 0 ? new ScoringTask(sample, null, new ImageFailure(ImageFailure.Kind.MISSING_PREDICTION,
          "no prediction " + i)) : ScoringTask.of(sample, "file:/p/" + i + "_pred.png"));
    }
    // Cut as parallelize cuts: contiguous runs, every task once, in order.
    List<byte[]> slices = Shipped.slices(tasks, 3);
    assertEquals(3, slices.size());
    List<byte[]> received = new ArrayList<>();
    for (byte[] slice : slices) {
      received.add(roundTrip(s, slice));
    }
    assertEquals(tasks, Shipped.unwrapAll(received.iterator()));
    assertEquals(2, Shipped.<List<ScoringTask>>unwrap(slices.get(0)).size());
    assertEquals(1, Shipped.slices(tasks.subList(0, 1), 6).size(), "never more slices than items");

    CommittedResults.FileToRead file = new CommittedResults.FileToRead("file:/o/_progress/r/chunk-1", Set.of("a", "b"));
    assertEquals(List.of(file), Shipped.unwrapAll(List.of(roundTrip(s, Shipped.slices(List.of(file), 1).get(0)))
        .iterator()));
    ArrayList<RunDirectory.Entry> entries = new ArrayList<>(List.of(new RunDirectory.Entry("a", true),
        new RunDirectory.Entry("b", false)));
    assertEquals(entries, Shipped.unwrap(roundTrip(s, Shipped.wrap(entries))));

    ClassSpace space = new ClassSpace(LabelTable.builtIn("cityscapes"), PredictionEncoding.LABEL_ID);
    CommittedResults.ResultShare share =
        new CommittedResults.ResultShare(new RunAggregate(SegmentationStats.empty(space)));
    share.aggregate.stats().confusion().add(3, 4, 17);
    share.rows = 5;
    share.worst = new ArrayList<>(List.of(new HtmlReports.ImageScore("a", 0.25, 0.5, "l", "p")));
    share.failures = new ArrayList<>(List.of(new RunInfo.Failure("b", "corrupt file", "truncated")));
    CommittedResults.ResultShare back = Shipped.unwrap(roundTrip(s, Shipped.wrap(share)));
    assertEquals(17, back.aggregate.stats().confusion().get(3, 4));
    assertEquals(17, back.aggregate.stats().confusion().total());
    assertEquals(5, back.rows);
    assertEquals(share.worst, back.worst);
    assertEquals(share.failures, back.failures);
  }

  @Test
  void kryoCannotBuildTheRecordsThemselvesHenceTheBytes() {
    SerializerInstance s = kryo();
    CommittedResults.FileToRead file = new CommittedResults.FileToRead("file:/o/_progress/r/chunk-1", Set.of("a"));
    Throwable e = assertThrows(RuntimeException.class, () -> roundTrip(s, file));
    while (e != null && !(e instanceof UnsupportedOperationException)) {
      e = e.getCause();
    }
    assertNotNull(e, "Kryo's field serializer refusing the record");
  }

  @Test
  void theBroadcastHadoopConfigurationArrivesWholeUnderKryo() {
    Configuration hadoop = new Configuration(false);
    hadoop.set("fs.s3a.endpoint", "http://127.0.0.1:9000");
    hadoop.set("fs.s3a.path.style.access", "true");
    SerializerInstance s = kryo();
    // Followed by another object in the same stream: the configuration reads exactly what it wrote.
    Object[] pair = roundTrip(s, new Object[] {new SerializableConfiguration(hadoop), "after"});
    Configuration back = ((SerializableConfiguration) pair[0]).get();
    assertEquals("http://127.0.0.1:9000", back.get("fs.s3a.endpoint"));
    assertEquals("true", back.get("fs.s3a.path.style.access"));
    assertEquals("after", pair[1]);

    // What the jobs broadcast: the Writable bytes, read back once per array.
    byte[] bytes = roundTrip(s, SerializableConfiguration.bytes(hadoop));
    Configuration once = SerializableConfiguration.of(bytes);
    assertEquals("http://127.0.0.1:9000", once.get("fs.s3a.endpoint"));
    assertEquals("true", once.get("fs.s3a.path.style.access"));
    org.junit.jupiter.api.Assertions.assertSame(once, SerializableConfiguration.of(bytes));
    org.junit.jupiter.api.Assertions.assertNotSame(once, SerializableConfiguration.of(bytes.clone()));
  }

  /** A whole evaluate run in a JVM whose Spark uses Kryo gives the metrics of the default serializer's run. */
  @Test
  @Tag("integration")
  void evaluateUnderKryoEqualsTheDefaultSerializer() throws Exception {
    Path data = Fixtures.synth();
    String kryo = "-Dspark.serializer=org.apache.spark.serializer.KryoSerializer";
    String[][] settings = {
        {kryo, "-Dspark.kryo.registrationRequired=false"},
        {kryo, "-Dspark.kryo.registrationRequired=true"}, // every class Kryo sees must be registered
        {"-Dspark.serializer=org.apache.spark.serializer.JavaSerializer", "-Dspark.ui.enabled=false"}};
    String[] serializers = new String[settings.length];
    JsonNode[] metrics = new JsonNode[settings.length];
    for (int k = 0; k < settings.length; k++) {
      serializers[k] = String.join(" ", settings[k]);
      Path out = tmp.resolve("out-" + k);
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(Files.readAllLines(Path.of("jobs/java17-options")).stream().map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
      cmd.addAll(List.of(settings[k]));
      cmd.addAll(List.of("-Xmx1g", "-Dspark.ui.enabled=false",
          "-cp", System.getProperty("java.class.path"), SegEval.class.getName(), "evaluate",
          "--dataset", "cityscapes", "--data-root", data.resolve("cityscapes").toString(),
          "--predictions", data.resolve("cityscapes-predictions").toString(), "--partitions", "3",
          "--output", out.toString(), "--run-id", "kryo", "--quiet"));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(tmp.resolve("run-" + k + ".log").toFile());
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      Process run = pb.start();
      try {
        if (!run.waitFor(3, TimeUnit.MINUTES)) {
          throw new AssertionError("the run with " + serializers[k] + " did not end within 3 minutes");
        }
      } finally {
        run.destroyForcibly(); // this test's own child, by its pid; a no-op once it has exited
      }
      String what = serializers[k] + ": " + readLog(tmp.resolve("run-" + k + ".log"));
      assertEquals(0, run.exitValue(), what);
      metrics[k] = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("metrics");
    }
    assertEquals(metrics[2], metrics[0]);
    assertEquals(metrics[2], metrics[1]);
  }

  private static String readLog(Path log) {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
