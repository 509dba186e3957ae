package dev.segeval.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.labels.PredictionEncoding;
import dev.segeval.metrics.AbsentClassPolicy;
import dev.segeval.scoring.EvaluationSpec;
import dev.segeval.scoring.FolderPredictions;
import dev.segeval.spark.EvaluateJob;
import dev.segeval.spark.SparkTestSession;
import dev.segeval.synth.SyntheticDatasets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listing and the whole evaluate job over tens of thousands of objects on s3a, against S3Proxy on 127.0.0.1:
 * {@code mvn -B test -Dgroups=benchmark -Dtest=S3ScaleBenchmark [-Dsegeval.s3scale.copies=20]
 * [-Dsegeval.s3scale.latency-ms=20] [-Dsegeval.results=benchmark-results/listing.md]}. A synthetic set of 500 Cityscapes images is uploaded
 * {@code copies} times under renamed cities (every id distinct), so the default 20 copies hold 10,000 images
 * (30,000 objects; S3Proxy's in-memory store with its 512 MB heap stopped answering near 50,000).
 */
@Tag("benchmark")
class S3ScaleBenchmark {
  @TempDir
  Path tmp;

  @Test
  void listingAndEvaluateOverManyObjects() throws Exception {
    int copies = Integer.getInteger("segeval.s3scale.copies", 20);
    int perCopy = 500;
    try (S3ProxyServer server = S3ProxyServer.start(tmp)) {
      server.createBucket("scale");
      SparkSession spark = SparkTestSession.get();
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      server.apply(conf);
      Path local = tmp.resolve("local");
      SyntheticDatasets.cityscapes(local.toUri().toString(), new SyntheticDatasets.Options(perCopy, 64, 32, 3,
          "val"), new Configuration());
      List<Path> files = new ArrayList<>();
      for (String dir : List.of("cityscapes/gtFine/val", "cityscapes-predictions")) {
        try (Stream<Path> walk = Files.walk(local.resolve(dir))) {
          walk.filter(Files::isRegularFile).forEach(files::add);
        }
      }
      String bucket = "s3a://scale";
      FileSystem s3 = new org.apache.hadoop.fs.Path(bucket + "/").getFileSystem(conf);
      long t0 = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<?>> puts = new ArrayList<>();
      for (int c = 0; c < copies; c++) {
        String prefix = String.format(Locale.ROOT, "c%02d", c);
        for (Path f : files) {
          // <city>/<city>_<seq>_<frame>_... -> c07<city>/c07<city>_<seq>_<frame>_...: every id distinct.
          String rel = local.relativize(f).toString();
          String city = f.getParent().getFileName().toString();
          String target = bucket + "/" + rel.replace(city + "/" + city + "_", prefix + city + "/" + prefix + city
              + "_");
          puts.add(pool.submit(() -> {
            try (FSDataOutputStream out = s3.create(new org.apache.hadoop.fs.Path(target), true)) {
              out.write(Files.readAllBytes(f));
            }
            return null;
          }));
        }
      }
      for (Future<?> p : puts) {
        p.get();
      }
      pool.shutdown();
      double upload = (System.nanoTime() - t0) / 1e9;
      int images = copies * perCopy;

      t0 = System.nanoTime();
      int labels = HadoopPaths.listFilesRecursive(bucket + "/cityscapes/gtFine/val", conf).size();
      double listGt = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      int predictions = HadoopPaths.listFilesRecursive(bucket + "/cityscapes-predictions", conf).size();
      double listPred = (System.nanoTime() - t0) / 1e9;
      assertEquals(2 * images, labels);
      assertEquals(images, predictions);

      // From here on every request waits as it would for S3 (-Dsegeval.s3scale.latency-ms, default 20; 0 to
      // talk to S3Proxy directly). Cached S3A clients still point at S3Proxy itself: closed, so that the next
      // ones use the relay.
      long latency = Long.getLong("segeval.s3scale.latency-ms", 20);
      LatencyProxy relay = latency > 0 ? LatencyProxy.start(java.net.URI.create(server.endpoint()).getPort(),
          latency) : null;
      if (relay != null) {
        conf.set("fs.s3a.endpoint", "http://127.0.0.1:" + relay.port());
        FileSystem.closeAll();
      }
      // Read-ahead on (--read-ahead 8) first, so that the JIT's warm-up counts against it, then off.
      EvaluationSpec spec = new EvaluationSpec("cityscapes", null, bucket + "/cityscapes", "val",
          new FolderPredictions(bucket + "/cityscapes-predictions"), PredictionEncoding.LABEL_ID,
          AbsentClassPolicy.EXCLUDE, bucket + "/results", "scale", 0, true);
      long wall = System.nanoTime();
      EvaluateJob.Outcome o = EvaluateJob.run(spark, spec, dev.segeval.spark.RunOptions.DEFAULTS
          .withReadAhead(dev.segeval.spark.RunOptions.REMOTE_READ_AHEAD), System.err);
      double evaluate = (System.nanoTime() - wall) / 1e9;
      assertEquals(images, o.run().okCount());
      var t = o.run();
      EvaluationSpec direct = new EvaluationSpec(spec.dataset(), null, spec.dataRoot(), spec.split(),
          spec.predictions(), spec.encoding(), spec.absentPolicy(), bucket + "/results-direct", "scale-direct", 0,
          true);
      EvaluateJob.Outcome d = EvaluateJob.run(spark, direct, dev.segeval.spark.RunOptions.DEFAULTS.withReadAhead(0),
          System.err);
      assertEquals(o.aggregate().stats(), d.aggregate().stats());
      var td = d.run();
      if (relay != null) {
        relay.close();
        conf.set("fs.s3a.endpoint", server.endpoint());
        FileSystem.closeAll();
      }
      String md = String.format(Locale.ROOT, "%n## s3a at scale, %s%n%nCommand: `mvn -B test -Dgroups=benchmark "
          + "-Dtest=S3ScaleBenchmark -Dsegeval.s3scale.copies=%d`  %nMachine: %s, %d cores, Java %s; S3Proxy "
          + "(in-memory store) on 127.0.0.1, s3a with 16 upload threads; evaluate through a relay adding %d ms to "
          + "every request (S3's latency; 0: none).%n%n"
          + "| what | value |%n|---|---:|%n| images | %d |%n| objects | %d |%n| upload | %.1f s |%n"
          + "| listing gtFine/val (%d objects) | %.2f s |%n| listing predictions (%d objects) | %.2f s |%n"
          + "| evaluate: listing and matching | %.1f s |%n| evaluate: scoring | %.1f s |%n"
          + "| evaluate: writing tables | %.1f s |%n| evaluate: total | %.1f s (%.1f s with the summary) |%n"
          + "| evaluate with --read-ahead 0: listing, scoring, writing | %.1f s, %.1f s, %.1f s |%n"
          + "| evaluate with --read-ahead 0: total | %.1f s |%n"
          + "| scoring, read-ahead 0 / read-ahead %d | %.2f |%n",
          Instant.now(), copies, System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"), latency, images, 3 * images, upload, labels, listGt, predictions, listPred,
          t.listingSeconds(), t.scoringSeconds(), t.writingSeconds(), t.totalSeconds(), evaluate,
          td.listingSeconds(), td.scoringSeconds(), td.writingSeconds(), td.totalSeconds(),
          dev.segeval.spark.RunOptions.REMOTE_READ_AHEAD, td.scoringSeconds() / t.scoringSeconds());
      System.err.println(md);
      String results = System.getProperty("segeval.results");
      if (results != null && !results.isBlank()) {
        Files.writeString(Path.of(results), md, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      }
    }
  }
}
