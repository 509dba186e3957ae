package dev.segeval.spark;

import org.apache.spark.sql.SparkSession;

/** One local Spark session shared by every Spark test in the JVM: UI off, few shuffle partitions, loopback only. */
public final class SparkTestSession {
  private static SparkSession session;

  private SparkTestSession() {
  }

  public static synchronized SparkSession get() {
    if (session == null) {
      session = SparkSession.builder()
          .master("local[2]")
          .appName("segeval-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "2")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.ui.showConsoleProgress", "false")
          .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
    }
    return session;
  }
}
