package dev.segeval.runs;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@link DataInput} over a byte array, big-endian as {@link java.io.DataOutputStream} writes: a chunk file is read
 * whole, and {@code DataInputStream} over a {@code ByteArrayInputStream} reads every int and long a byte at a time
 * through a synchronised method (a fifth of the time spent reading chunks back). Reading past the end throws
 * {@link EOFException}, as a stream would.
 */
final class ByteArrayDataInput implements DataInput {
  private final ByteBuffer buffer;

  ByteArrayDataInput(byte[] data, int offset, int length) {
    this.buffer = ByteBuffer.wrap(data, offset, length);
  }

  /** Bytes not read yet. */
  int remaining() {
    return buffer.remaining();
  }

  private void need(int n) throws EOFException {
    if (buffer.remaining() < n) {
      throw new EOFException(n + " bytes wanted, " + buffer.remaining() + " left");
    }
  }

  @Override
  public void readFully(byte[] b) throws IOException {
    readFully(b, 0, b.length);
  }

  @Override
  public void readFully(byte[] b, int off, int len) throws IOException {
    need(len);
    buffer.get(b, off, len);
  }

  @Override
  public int skipBytes(int n) {
    int skipped = Math.max(0, Math.min(n, buffer.remaining()));
    buffer.position(buffer.position() + skipped);
    return skipped;
  }

  @Override
  public boolean readBoolean() throws IOException {
    return readByte() != 0;
  }

  @Override
  public byte readByte() throws IOException {
    need(1);
    return buffer.get();
  }

  @Override
  public int readUnsignedByte() throws IOException {
    return readByte() & 0xFF;
  }

  @Override
  public short readShort() throws IOException {
    need(2);
    return buffer.getShort();
  }

  @Override
  public int readUnsignedShort() throws IOException {
    return readShort() & 0xFFFF;
  }

  @Override
  public char readChar() throws IOException {
    need(2);
    return buffer.getChar();
  }

  @Override
  public int readInt() throws IOException {
    need(4);
    return buffer.getInt();
  }

  @Override
  public long readLong() throws IOException {
    need(8);
    return buffer.getLong();
  }

  @Override
  public float readFloat() throws IOException {
    need(4);
    return buffer.getFloat();
  }

  @Override
  public double readDouble() throws IOException {
    need(8);
    return buffer.getDouble();
  }

  @Override
  public String readLine() {
    throw new UnsupportedOperationException("chunk files hold no text lines");
  }

  @Override
  public String readUTF() throws IOException {
    return DataInputStream.readUTF(this);
  }
}
