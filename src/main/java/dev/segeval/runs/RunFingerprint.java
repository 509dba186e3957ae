package dev.segeval.runs;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What a run's committed per-image results depend on: the dataset listing, the predictions (files, or the
 * model's SHA-256 and protocol), the prediction encoding, the labels table, the scoring options and the tool
 * version. Stored with the run when it starts; a resumed run must have the same fingerprint, or results scored
 * under different inputs would be mixed into one set of metrics.
 */
public final class RunFingerprint {
  private final Map<String, String> fields;

  public RunFingerprint(Map<String, String> fields) {
    this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  public Map<String, String> fields() {
    return fields;
  }

  /** SHA-256 (hex) of the fields in order: equal fingerprints have equal digests. */
  public String digest() {
    try {
      java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, String> e : fields.entrySet()) {
        d.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
        d.update(String.valueOf(e.getValue()).getBytes(StandardCharsets.UTF_8));
        d.update((byte) '\n');
      }
      return java.util.HexFormat.of().formatHex(d.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** {@code key=value} lines in field order (java.util.Properties syntax, so values may hold anything). */
  public byte[] render() {
    StringBuilder b = new StringBuilder("# segeval run fingerprint: a resumed run must match every field\n");
    for (Map.Entry<String, String> e : fields.entrySet()) {
      b.append(escape(e.getKey())).append('=').append(escape(e.getValue())).append('\n');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static RunFingerprint parse(byte[] data) throws IOException {
    String text = new String(data, StandardCharsets.UTF_8);
    Properties p = new Properties();
    p.load(new StringReader(text));
    // Properties forgets the order; take it from the file so that differences are listed as written.
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Properties one = new Properties();
      one.load(new StringReader(line));
      for (String k : one.stringPropertyNames()) {
        fields.put(k, p.getProperty(k));
      }
    }
    return new RunFingerprint(fields);
  }

  /** Every field that differs, as "field (run: stored, now: current)", in this fingerprint's order. */
  public List<String> differences(RunFingerprint current) {
    List<String> out = new ArrayList<>();
    List<String> keys = new ArrayList<>(fields.keySet());
    for (String k : current.fields.keySet()) {
      if (!keys.contains(k)) {
        keys.add(k);
      }
    }
    for (String k : keys) {
      String stored = fields.get(k);
      String now = current.fields.get(k);
      if (stored == null ? now != null : !stored.equals(now)) {
        out.add(k + " (run: " + shorten(stored) + ", now: " + shorten(now) + ")");
      }
    }
    return out;
  }

  private static String shorten(String value) {
    if (value == null) {
      return "absent";
    }
    return value.matches("[0-9a-f]{64}") ? value.substring(0, 12) + "..." : value;
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '=', ':', '#', '!' -> b.append('\\').append(c);
        default -> {
          if (c < 0x20 || c > 0x7e) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    String out = b.toString();
    return out.startsWith(" ") ? "\\" + out : out;
  }
}
