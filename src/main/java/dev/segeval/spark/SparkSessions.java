package dev.segeval.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Creates the session: spark-submit's settings win; without them the job runs embedded in local mode. */
public final class SparkSessions {
  private SparkSessions() {
  }

  public static SparkSession getOrCreate(String appName, String master, Map<String, String> extraConf) {
    return getOrCreate(conf(appName, master, extraConf));
  }

  /** The session of a configuration made by {@link #conf}. */
  public static SparkSession getOrCreate(SparkConf conf) {
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /**
   * The Hadoop configuration a session of this Spark configuration will have ({@code spark.hadoop.*}, the AWS
   * variables of the environment, as {@code SparkContext} makes it), for work that starts before the session.
   */
  public static org.apache.hadoop.conf.Configuration hadoopConfiguration(SparkConf conf) {
    return org.apache.spark.deploy.SparkHadoopUtil.get().newConfiguration(conf);
  }

  /** The Spark configuration of the tool's own sessions: spark-submit's settings, then the tool's defaults. */
  public static SparkConf conf(String appName, String master, Map<String, String> extraConf) {
    SparkConf conf = new SparkConf().setAppName(appName);
    if (master != null) {
      conf.setMaster(master);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    // The job reports its own progress; Spark's console bar would interleave with it.
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    conf.setIfMissing("spark.sql.shuffle.partitions", "8");
    if (conf.get("spark.master").startsWith("local")) {
      // Embedded runs stay on loopback; on a cluster the driver must be reachable and Spark's defaults apply.
      String ip = System.getenv().getOrDefault("SPARK_LOCAL_IP", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", ip);
      conf.setIfMissing("spark.driver.host", ip);
    }
    if (extraConf != null) {
      extraConf.forEach(conf::set);
    }
    return conf;
  }
}
