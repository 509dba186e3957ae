package dev.segeval.scoring;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Strings in the plain records the project stores (committed chunk files and their summaries): a length in bytes of
 * UTF-8, -1 for null, then the bytes. {@code writeUTF} stops at 64 KB; error messages and paths need not.
 */
public final class DataRecords {
  /** Longest string field of a stored record (paths, error messages), in bytes of UTF-8. */
  public static final int MAX_STRING_BYTES = 1 << 20;

  private DataRecords() {
  }

  public static void writeString(DataOutput out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  /**
   * A string written by {@link #writeString}, or null.
   *
   * @throws IOException when the stored length is negative (other than -1) or over {@link #MAX_STRING_BYTES}
   */
  public static String readString(DataInput in) throws IOException {
    int n = in.readInt();
    if (n == -1) {
      return null;
    }
    if (n < 0 || n > MAX_STRING_BYTES) {
      throw new IOException("a string of " + n + " bytes");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
