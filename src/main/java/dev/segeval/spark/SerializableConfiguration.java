package dev.segeval.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;

/**
 * Ships the driver's Hadoop configuration (s3a endpoint, credentials provider settings, ...) to executors.
 * Hadoop's Configuration is Writable but not Serializable. Kryo, where a session uses it, would skip the transient
 * field and deliver an empty holder; the class writes itself for Kryo too, so that it arrives whole even in a
 * session that does not list {@link KryoRegistration} (a user's own, running the Spark ML parts).
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
    conf = new Configuration(false);
    conf.readFields(in);
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
    conf = new Configuration(false);
    try {
      conf.readFields(new java.io.DataInputStream(input));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
