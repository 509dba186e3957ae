package dev.segeval.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;

/**
 * A real S3-compatible server for tests: S3Proxy (in-memory "transient" store) as a child JVM on 127.0.0.1 and a
 * free port, with its own credentials. Started and stopped by the tests; it never outlives the test JVM
 * (destroyed on close and by a shutdown hook).
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS_KEY = "AKIASEGEVALTEST0001";
  public static final String SECRET_KEY = "segevalSecretKeyThatMustNeverBeLogged0001";

  private final int port;
  private final Path logFile;
  private final Path storeDir;
  private Process process;
  private Path workDir;

  private S3ProxyServer(int port, Path logFile, Path storeDir) {
    this.port = port;
    this.logFile = logFile;
    this.storeDir = storeDir;
  }

  /** Starts S3Proxy with an in-memory store and waits (at most 60 s) until it accepts connections. */
  public static S3ProxyServer start(Path workDir) throws IOException, InterruptedException {
    return start(workDir, null);
  }

  /**
   * Starts S3Proxy; with a store directory its data lives on disk and survives {@link #restart}, as a real
   * service's would.
   */
  public static S3ProxyServer start(Path workDir, Path storeDir) throws IOException, InterruptedException {
    Path jar = Path.of("target/test-tools/s3proxy.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("S3Proxy jar missing: " + jar.toAbsolutePath() + " (mvn generate-test-resources)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    S3ProxyServer server = new S3ProxyServer(port, workDir.resolve("s3proxy.log"), storeDir);
    server.workDir = workDir;
    server.launch(workDir);
    return server;
  }

  private void launch(Path workDir) throws IOException, InterruptedException {
    Path props = workDir.resolve("s3proxy.properties");
    Files.writeString(props, String.join("\n", List.of(
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + ACCESS_KEY,
        "s3proxy.credential=" + SECRET_KEY,
        storeDir == null ? "jclouds.provider=transient" : "jclouds.provider=filesystem",
        storeDir == null ? "" : "jclouds.filesystem.basedir=" + storeDir,
        "jclouds.identity=unused",
        "jclouds.credential=unused")) + "\n");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-jar", "target/test-tools/s3proxy.jar", "--properties",
        props.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    process = pb.start();
    Process started = process;
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Proxy exited: " + Files.readString(logFile));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("S3Proxy did not start within 60 s: " + Files.readString(logFile));
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** The Hadoop settings that point s3a at this server (path-style, no TLS, few retries for fast tests). */
  public Map<String, String> hadoopSettings() {
    return Map.of(
        "fs.s3a.endpoint", endpoint(),
        "fs.s3a.path.style.access", "true",
        "fs.s3a.connection.ssl.enabled", "false",
        "fs.s3a.access.key", ACCESS_KEY,
        "fs.s3a.secret.key", SECRET_KEY,
        "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "fs.s3a.attempts.maximum", "3",
        "fs.s3a.retry.limit", "3",
        "fs.s3a.connection.establish.timeout", "5000",
        "fs.s3a.connection.timeout", "10000");
  }

  public void apply(Configuration conf) {
    hadoopSettings().forEach(conf::set);
  }

  /**
   * Creates a bucket with one signed HTTP request (AWS signature version 2, which S3Proxy accepts), so that the test
   * helper needs no AWS SDK: Hadoop 3.3 brings SDK v1 and Hadoop 3.4 SDK v2, and this class serves both Spark lines.
   */
  public void createBucket(String name) throws IOException {
    String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
        java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
    String contentType = "application/octet-stream";
    String toSign = "PUT\n\n" + contentType + "\n\nx-amz-date:" + date + "\n/" + name;
    String signature;
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
      mac.init(new javax.crypto.spec.SecretKeySpec(SECRET_KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          "HmacSHA1"));
      signature = java.util.Base64.getEncoder().encodeToString(
          mac.doFinal(toSign.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 is part of every Java runtime", e);
    }
    java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create(endpoint() + "/" + name).toURL()
        .openConnection();
    try {
      c.setRequestMethod("PUT");
      c.setDoOutput(true);
      c.setRequestProperty("Content-Type", contentType);
      c.setRequestProperty("x-amz-date", date);
      c.setRequestProperty("Authorization", "AWS " + ACCESS_KEY + ":" + signature);
      c.setFixedLengthStreamingMode(0);
      c.getOutputStream().close();
      int code = c.getResponseCode();
      if (code != 200) {
        java.io.InputStream err = c.getErrorStream();
        throw new IOException("S3Proxy refused to create bucket " + name + ": HTTP " + code + " "
            + (err == null ? "" : new String(err.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)));
      }
    } finally {
      c.disconnect();
    }
  }

  /** Starts the server again on the same port (the store survives only with a store directory). */
  public void restart() throws IOException, InterruptedException {
    stop();
    launch(workDir);
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the server (its in-memory store is lost). */
  public void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
