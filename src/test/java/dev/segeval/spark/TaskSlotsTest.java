package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** How many predictor threads share an executor JVM, from which PyTorch's thread count is derived. */
class TaskSlotsTest {
  @Test
  void slotsFromMasterAndExecutorCores() {
    assertEquals(3, EvaluateJob.taskSlots(new SparkConf(false).set("spark.master", "local[3]")));
    assertEquals(2, EvaluateJob.taskSlots(new SparkConf(false).set("spark.master", "local[2,4]")));
    assertEquals(1, EvaluateJob.taskSlots(new SparkConf(false).set("spark.master", "local")));
    assertEquals(Runtime.getRuntime().availableProcessors(),
        EvaluateJob.taskSlots(new SparkConf(false).set("spark.master", "local[*]")));
    assertEquals(4, EvaluateJob.taskSlots(new SparkConf(false).set("spark.master", "spark://h:7077")
        .set("spark.executor.cores", "4")));
    assertEquals(2, EvaluateJob.taskSlots(new SparkConf(false).set("spark.master", "yarn")
        .set("spark.executor.cores", "4").set("spark.task.cpus", "2")));
  }

  @Test
  void anExecutorOwnsItsExecutorCoresNotTheMachines() {
    int all = Runtime.getRuntime().availableProcessors();
    assertEquals(1, EvaluateJob.executorCores(new SparkConf(false).set("spark.master", "spark://h:7077")
        .set("spark.executor.cores", "1")), "two one-core executors on one machine: one core each");
    assertEquals(all, EvaluateJob.executorCores(new SparkConf(false).set("spark.master", "spark://h:7077")));
    assertEquals(all, EvaluateJob.executorCores(new SparkConf(false).set("spark.master", "local[2]")));
    assertEquals(all, EvaluateJob.executorCores(new SparkConf(false).set("spark.master", "yarn")
        .set("spark.executor.cores", String.valueOf(all + 8))), "never more than the JVM sees");
  }
}
