package dev.segeval.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.segeval.runs.RunDirectory;
import dev.segeval.scoring.ScoringTask;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets the jobs run where {@code spark.serializer} is Kryo, as many clusters set it in spark-defaults.conf.
 * Spark hands the objects a job ships as data (planned tasks, files to read, task results, broadcast
 * configuration) to its data serializer; Kryo 4, which Spark 3.5 and 4 bundle, builds objects field by field and
 * cannot do so for Java records ("can't get field offset on a record class"), so an evaluate run failed on its
 * first task. Those classes go through Java serialisation inside Kryo instead, exactly as with Spark's default
 * serializer (their readObject checks and serialVersionUIDs apply); everything they contain travels with them.
 * {@link SparkSessions} adds this registrator to {@code spark.kryo.registrator}, after any the user lists.
 */
public final class KryoRegistration implements KryoRegistrator {
  /** Every class the project's jobs give Spark as RDD data, task results or broadcast values. */
  static final Class<?>[] SHIPPED = {
      ScoringTask.class, // parallelised by evaluate, submit and tables' calibration
      EvaluateJob.FileToRead.class,
      EvaluateJob.ResultShare.class,
      RunDirectory.Entry.class,
      SerializableConfiguration.class,
  };

  /**
   * Containers around them that Spark does not register itself, with Kryo's own serializers: needed where a
   * cluster sets {@code spark.kryo.registrationRequired=true}.
   */
  static final Class<?>[] CONTAINERS = {
      java.util.ArrayList.class, // the committed entries of each chunk file, collected
  };

  @Override
  public void registerClasses(Kryo kryo) {
    for (Class<?> type : SHIPPED) {
      kryo.register(type, new JavaSerializer());
    }
    for (Class<?> type : CONTAINERS) {
      kryo.register(type);
    }
    // Any other record that comes along (in a user's pipeline with the Spark ML parts, say) is not built field
    // by field either.
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }
}
