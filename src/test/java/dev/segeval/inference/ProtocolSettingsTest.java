package dev.segeval.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProtocolSettingsTest {
  static ProtocolSettings settings(int crop, int base, double... scales) {
    return new ProtocolSettings(scales, FlipMode.NONE, crop, crop, base, 2.0 / 3, 2);
  }

  @Test
  void scaledSizeFollowsSemsegWithPythonRounding() {
    // Cityscapes 2048x1024, base 2048: the long side is round(scale * 2048).
    assertArrayEquals(new int[] {1024, 2048}, settings(713, 2048, 1).scaledSize(1024, 2048, 1.0));
    assertArrayEquals(new int[] {768, 1536}, settings(713, 2048, 1).scaledSize(1024, 2048, 0.75));
    assertArrayEquals(new int[] {1792, 3584}, settings(713, 2048, 1).scaledSize(1024, 2048, 1.75));
    // A portrait ADE20K image: the height is the long side.
    assertArrayEquals(new int[] {512, 384}, settings(473, 512, 1).scaledSize(640, 480, 1.0));
    // Python's round is half to even: round(2.5) == 2 and round(3.5) == 4.
    assertArrayEquals(new int[] {2, 5}, settings(1, 5, 1).scaledSize(1, 2, 1.0));
    assertArrayEquals(new int[] {4, 7}, settings(1, 7, 1).scaledSize(1, 2, 1.0));
    assertArrayEquals(new int[] {256, 384}, settings(473, 512, 1).scaledSize(100, 150, 0.75));
  }

  @Test
  void windowsEndFlushWithTheEdge() {
    // Crop 65, stride ceil(65 * 2/3) = 44: grid ceil((129 - 65) / 44) + 1 = 3 -> 0, 44, 64.
    assertEquals(44, settings(65, 512, 1).strideHeight());
    assertArrayEquals(new int[] {0, 44, 64}, SlidingWindowPredictor.windowStarts(129, 65, 44));
    assertArrayEquals(new int[] {0}, SlidingWindowPredictor.windowStarts(65, 65, 44));
    // PSPNet's 713 crop on a 1024-high Cityscapes image: stride 476, windows 0 and 311.
    assertEquals(476, settings(713, 2048, 1).strideHeight());
    assertArrayEquals(new int[] {0, 311}, SlidingWindowPredictor.windowStarts(1024, 713, 476));
    assertArrayEquals(new int[] {0, 476, 952, 1335}, SlidingWindowPredictor.windowStarts(2048, 713, 476));
  }

  @Test
  void defaultsPerDatasetAndValidation() {
    ProtocolSettings c = ProtocolSettings.defaults("cityscapes");
    assertEquals(713, c.cropHeight());
    assertEquals(2048, c.baseSize());
    assertEquals(FlipMode.AVERAGE, c.flip());
    assertEquals(473, ProtocolSettings.defaults("ade20k").cropWidth());
    assertEquals(512, ProtocolSettings.defaults("voc2012").baseSize());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ProtocolSettings(new double[] {0}, FlipMode.NONE, 473, 473, 512, 2.0 / 3, 1));
    assertTrue(e.getMessage().contains("scale 0.0"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new ProtocolSettings(new double[] {1}, FlipMode.NONE, 473, 473, 512, 1.5, 1));
    assertThrows(IllegalArgumentException.class, () -> FlipMode.parse("sideways"));
    assertEquals(FlipMode.CAFFE, FlipMode.parse("caffe"));
  }

  @Test
  void autoBatchGivesACpuOneLargeWindowWithItsFlipAndSeveralSmallOnes() {
    ProtocolSettings ade = ProtocolSettings.defaults("ade20k");
    assertEquals(ProtocolSettings.AUTO_BATCH, ade.batchSize());
    assertEquals(1, ade.windowsPerPass(false), "473x473 with flip: 447,458 pixels");
    assertEquals(1, ProtocolSettings.defaults("cityscapes").windowsPerPass(false));
    assertEquals(4, ade.windowsPerPass(true));
    ProtocolSettings demo = new ProtocolSettings(new double[] {1.0}, FlipMode.NONE, 257, 513, 512, 2.0 / 3,
        ProtocolSettings.AUTO_BATCH);
    assertEquals(4, demo.windowsPerPass(false), "257x513 without flip: 131,841 pixels");
    ProtocolSettings given = new ProtocolSettings(new double[] {1.0}, FlipMode.AVERAGE, 473, 473, 512, 2.0 / 3, 3);
    assertEquals(3, given.windowsPerPass(false));
    assertThrows(IllegalArgumentException.class,
        () -> new ProtocolSettings(new double[] {1}, FlipMode.NONE, 473, 473, 512, 2.0 / 3, -1));
  }
}
