package dev.segeval.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1 for tests: a Master and Workers as separate JVMs, started from the
 * project's own dependency jars (no Spark tarball): a SPARK_HOME whose jars/ links every jar of
 * target/classpath.txt, plus a logging config. Applications are submitted with
 * {@code org.apache.spark.deploy.SparkSubmit}, as {@code spark-submit} does. On close (and by a shutdown hook) it
 * stops exactly the processes it started: its Master and Workers, the applications it submitted, and the executors
 * its own Workers launched, found in the Workers' process trees. Nothing is looked up by name or command line, so
 * the Spark processes of other builds and users on the same machine are never touched.
 */
public final class StandaloneCluster implements AutoCloseable {
  private final Path home;
  private final Path work;
  private final int masterPort;
  private final List<Process> processes = new ArrayList<>();
  private final List<Process> workers = new ArrayList<>();
  private final List<Process> submits = new ArrayList<>();
  private final Thread shutdownHook = new Thread(() -> stop(ownProcesses(), 0));

  private StandaloneCluster(Path home, Path work, int masterPort) {
    this.home = home;
    this.work = work;
    this.masterPort = masterPort;
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static StandaloneCluster start(Path work, int workers) throws Exception {
    // Under target/ rather than the test's temp dir: JUnit warns about every symlink when it deletes a temp dir.
    Path home = Path.of("target/test-spark-home").toAbsolutePath();
    if (Files.exists(home)) {
      try (Stream<Path> old = Files.walk(home)) {
        for (Path p : (Iterable<Path>) old.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(home.resolve("jars"));
    Files.createDirectories(home.resolve("conf"));
    for (String jar : Files.readString(Path.of("target/classpath.txt")).strip().split(java.io.File.pathSeparator)) {
      Path source = Path.of(jar);
      Path link = home.resolve("jars").resolve(source.getFileName());
      if (!Files.exists(link)) {
        Files.createSymbolicLink(link, source);
      }
    }
    Files.copy(Path.of("src/test/resources/log4j2-test.properties"), home.resolve("conf/log4j2.properties"));
    // bin/spark-submit as a distribution has it (there through spark-class), so jobs/evaluate.sh runs unchanged.
    Files.createDirectories(home.resolve("bin"));
    Path submit = home.resolve("bin/spark-submit");
    Files.writeString(submit, "#!/usr/bin/env bash\n"
        + "exec \"" + Path.of(System.getProperty("java.home"), "bin", "java") + "\" " + String.join(" ", javaOptions())
        + " -Dlog4j2.configurationFile=\"$SPARK_HOME/conf/log4j2.properties\" -cp \"$SPARK_HOME/jars/*\" "
        + "org.apache.spark.deploy.SparkSubmit \"$@\"\n");
    submit.toFile().setExecutable(true);
    StandaloneCluster cluster = new StandaloneCluster(home, work, freePort());
    cluster.launch("master", false, List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
        String.valueOf(cluster.masterPort), "--webui-port", String.valueOf(freePort())));
    cluster.awaitPort(cluster.masterPort);
    for (int i = 0; i < workers; i++) {
      Path dir = work.resolve("worker-" + i);
      Files.createDirectories(dir);
      cluster.launch("worker-" + i, true, List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
          "--webui-port", String.valueOf(freePort()), "--cores", "1", "--memory", "1536m", "--work-dir",
          dir.toString(), cluster.masterUrl()));
    }
    return cluster;
  }

  public String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  public Path home() {
    return home;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static List<String> javaOptions() throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("jobs/java17-options"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        out.add(line.strip());
      }
    }
    return out;
  }

  private ProcessBuilder javaProcess(String name, List<String> mainAndArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.addAll(javaOptions());
    cmd.add("-Dlog4j2.configurationFile=" + home.resolve("conf/log4j2.properties"));
    cmd.add("-cp");
    cmd.add(home.resolve("jars") + "/*");
    cmd.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve(name + ".log").toFile()));
    return pb;
  }

  private synchronized void launch(String name, boolean worker, List<String> mainAndArgs) throws IOException {
    Process p = javaProcess(name, mainAndArgs).start();
    processes.add(p);
    if (worker) {
      workers.add(p);
    }
  }

  private void awaitPort(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(250);
      }
    }
    throw new IllegalStateException("Spark master did not start within 60 s: " + log("master"));
  }

  public String log(String name) throws IOException {
    Path p = work.resolve(name + ".log");
    return Files.exists(p) ? Files.readString(p) : "";
  }

  /** A jar of target/classes: the application jar (its dependencies are in SPARK_HOME/jars). */
  public static Path applicationJar(Path dir) throws IOException {
    Path jar = dir.resolve("segeval-app.jar");
    Path classes = Path.of("target/classes");
    try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os);
         Stream<Path> files = Files.walk(classes)) {
      for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted(Comparator.naturalOrder())::iterator) {
        out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
        Files.copy(p, out);
        out.closeEntry();
      }
    }
    return jar;
  }

  /** Starts spark-submit (client mode) for the application; the caller waits for it. */
  public Process submit(String name, Path appJar, List<String> sparkConf, List<String> appArgs) throws IOException {
    return submit(name, masterUrl(), appJar, sparkConf, appArgs);
  }

  /**
   * Starts spark-submit (client mode) with another master, e.g. {@code local[2]}: the same launcher, JVM options
   * and jars as the cluster's applications, for comparisons with it.
   */
  public Process submit(String name, String master, Path appJar, List<String> sparkConf, List<String> appArgs)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", master,
        "--deploy-mode", "client", "--class", "dev.segeval.cli.SegEval",
        "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=768m",
        "--conf", "spark.executor.extraJavaOptions=" + String.join(" ", javaOptions()),
        "--conf", "spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1"));
    for (String c : sparkConf) {
      cmd.add("--conf");
      cmd.add(c);
    }
    cmd.add(appJar.toString());
    cmd.addAll(appArgs);
    Process p = javaProcess(name, cmd).start();
    synchronized (this) {
      submits.add(p);
    }
    return p;
  }

  /**
   * The live executor JVMs of this cluster: the processes below its own Worker JVMs (a Worker starts each
   * executor as its child). Executors of any other Spark on the machine are not in these trees.
   */
  public synchronized List<ProcessHandle> executors() {
    List<ProcessHandle> out = new ArrayList<>();
    for (Process w : workers) {
      w.descendants().filter(ProcessHandle::isAlive).forEach(out::add);
    }
    return out;
  }

  /**
   * Everything this cluster started that still runs: submitted applications, executors, Workers, Master. The
   * executors are collected while their Workers are alive: once a Worker is gone they are reparented and no
   * longer found below it.
   */
  private synchronized List<ProcessHandle> ownProcesses() {
    List<ProcessHandle> out = new ArrayList<>();
    for (Process p : submits) {
      out.add(p.toHandle());
    }
    out.addAll(executors());
    for (int i = processes.size() - 1; i >= 0; i--) { // Workers before the Master
      out.add(processes.get(i).toHandle());
    }
    out.removeIf(h -> !h.isAlive());
    return out;
  }

  /**
   * Asks each process to exit (SIGTERM), waits for them up to {@code graceSeconds} in all, then kills
   * (SIGKILL) those still running and waits up to 10 s more for each; with no grace (the shutdown hook) it kills
   * at once. Only handles of processes this cluster started are passed in; a handle also knows its process's
   * start time, so a reused pid is never signalled.
   */
  private static void stop(List<ProcessHandle> handles, long graceSeconds) {
    if (graceSeconds > 0) {
      handles.forEach(ProcessHandle::destroy);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
    for (ProcessHandle h : handles) {
      if (!awaitExit(h, deadline - System.nanoTime())) {
        h.destroyForcibly();
        awaitExit(h, TimeUnit.SECONDS.toNanos(10));
      }
    }
  }

  private static boolean awaitExit(ProcessHandle h, long nanos) {
    try {
      h.onExit().get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return !h.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !h.isAlive();
    }
  }

  @Override
  public void close() {
    stop(ownProcesses(), 10);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // Called from another shutdown hook: this cluster's own hook runs anyway and finds nothing left.
    }
  }
}
