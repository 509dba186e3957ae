package dev.segeval.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;

/**
 * Ships the driver's Hadoop configuration (s3a endpoint, credentials provider settings, ...) to executors.
 * Hadoop's Configuration is Writable but not Serializable. In closures (always Java-serialised) the holder travels
 * as itself; as a broadcast value, which goes through the session's {@code spark.serializer}, the jobs send its
 * {@link #bytes} instead, so that Kryo (even with {@code spark.kryo.registrationRequired}) sees only a byte array,
 * and executors read it back once per broadcast with {@link #of}. The holder also writes itself for Kryo, should
 * one reach it: Kryo's field serializer would skip the transient field and deliver an empty holder.
 */
public final class SerializableConfiguration implements Serializable, com.esotericsoftware.kryo.KryoSerializable {
  private static final long serialVersionUID = 1L;

  private transient Configuration conf;

  public SerializableConfiguration(Configuration conf) {
    this.conf = conf;
  }

  public Configuration get() {
    return conf;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    conf.write(out);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    conf = read(in);
  }

  @Override
  public void write(com.esotericsoftware.kryo.Kryo kryo, com.esotericsoftware.kryo.io.Output output) {
    try {
      conf.write(new java.io.DataOutputStream(output));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void read(com.esotericsoftware.kryo.Kryo kryo, com.esotericsoftware.kryo.io.Input input) {
    try {
      conf = read(new java.io.DataInputStream(input));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The configuration's Writable form, for a broadcast. */
  public static byte[] bytes(Configuration conf) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream data = new java.io.DataOutputStream(out)) {
      conf.write(data);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Read back once per broadcast value: tasks of one executor share it, as they shared the holder's. */
  private static final java.util.Map<byte[], Configuration> READ =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /** The configuration of {@link #bytes}, read once per array (a broadcast's value is one array per executor). */
  public static Configuration of(byte[] bytes) {
    return READ.computeIfAbsent(bytes, b -> {
      try {
        return read(new java.io.DataInputStream(new java.io.ByteArrayInputStream(b)));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("Cannot read back the broadcast Hadoop configuration", e);
      }
    });
  }

  /** A configuration of exactly the properties written by {@link Configuration#write}, without default resources. */
  private static Configuration read(java.io.DataInput in) throws IOException {
    Configuration conf = new Configuration(false);
    conf.readFields(in);
    return conf;
  }
}
