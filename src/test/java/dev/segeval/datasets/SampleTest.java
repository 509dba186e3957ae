package dev.segeval.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.segeval.scoring.ImageFailure;
import dev.segeval.scoring.ScoringTask;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

/** Samples and tasks are stored compactly but give back every path exactly as it was given. */
class SampleTest {
  private static final String[][] CASES = {
      {"frankfurt_000000_000294", "file:/d/leftImg8bit/val/frankfurt/frankfurt_000000_000294_leftImg8bit.png",
          "file:/d/gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_labelIds.png",
          "file:/d/gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_instanceIds.png"},
      {"ADE_val_00000001", "s3a://bucket/ADE/images/validation/ADE_val_00000001.jpg",
          "s3a://bucket/ADE/annotations/validation/ADE_val_00000001.png", null},
      {"x", "x", "labels of x", null},            // no folder at all (in-memory masks)
      {"a", "file:/a.png", "file:/other.png", null}, // a name that does not start with the id
      {"", "file:/d/.png", "/abs/y.png", "rel/z.png"},
      {"id", null, "hdfs://nn:8020/p/id", "file:/trailing/"}};

  @Test
  void pathsComeBackExactlyAsGiven() throws Exception {
    for (String[] c : CASES) {
      Sample s = new Sample(c[0], c[1], c[2], c[3]);
      assertEquals(c[0], s.id());
      assertEquals(c[1], s.imagePath());
      assertEquals(c[2], s.labelPath());
      assertEquals(c[3], s.instancePath());
      assertEquals(s, new Sample(c[0], c[1], c[2], c[3]));
      assertEquals(s.hashCode(), new Sample(c[0], c[1], c[2], c[3]).hashCode());
      Sample back = roundTrip(s);
      assertEquals(s, back);
      assertEquals(c[2], back.labelPath());
      ScoringTask t = ScoringTask.of(s, c[2] == null ? null : c[2].replace("label", "pred"));
      ScoringTask tBack = roundTrip(t);
      assertEquals(t, tBack);
      assertEquals(t.predictionPath(), tBack.predictionPath());
      assertEquals(c[2] == null ? null : c[2].replace("label", "pred"), t.predictionPath());
    }
    assertNotEquals(new Sample("a", "file:/a.png", null, null), new Sample("a", "file:/b/a.png", null, null));
    ScoringTask failed = new ScoringTask(new Sample("a", null, "l/a.png", null), null,
        new ImageFailure(ImageFailure.Kind.MISSING_PREDICTION, "no prediction matching a*.png"));
    assertNull(failed.predictionPath());
    assertEquals(failed, roundTrip(failed));
    assertEquals(new Sample("a", "i", "l", null).toString(), "Sample[id=a, imagePath=i, labelPath=l, instancePath=null]");
  }

  @Test
  void aPlanSharesItsFoldersAndSuffixes() throws Exception {
    Sample a = new Sample("frankfurt_1", null, new String("file:/gt/frankfurt/frankfurt_1_gtFine_labelIds.png"), null);
    Sample b = new Sample("frankfurt_2", null, new String("file:/gt/frankfurt/frankfurt_2_gtFine_labelIds.png"), null);
    String[] x = Sample.split(a.id(), a.labelPath());
    String[] y = Sample.split(b.id(), b.labelPath());
    assertSame(x[0], y[0]); // one folder string for the whole city
    assertSame(x[1], y[1]); // one "_gtFine_labelIds.png"
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }
}
