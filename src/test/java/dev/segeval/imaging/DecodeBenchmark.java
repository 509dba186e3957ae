package dev.segeval.imaging;

import ar.com.hjg.pngj.ImageLineInt;
import ar.com.hjg.pngj.PngReaderInt;
import dev.segeval.synth.SyntheticDatasets;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Decoding the PNGs the job reads, to the int[] of values it scores: the project's {@link PngDecoder} against
 * {@code javax.imageio} ({@code ImageIO.read(..).getRaster().getPixels}, which returns palette indices and
 * 16-bit samples unchanged) and PNGJ 2.1.0 (a fast pure-Java codec on Maven Central), on Cityscapes-sized maps
 * from the synthetic scenes: 8-bit label ids, 16-bit instance ids, an 8-bit palette map (VOC's format), and the
 * scene's 8-bit RGB photo (leftImg8bit, which the model path decodes for every image). Every
 * decoder must return the same values. Rounds alternate between decoders; the fastest round of each counts.
 *
 * <p>{@code mvn -B test -Dgroups=benchmark -Dtest=DecodeBenchmark [-Dsegeval.results=benchmark-results/decode.md]}
 */
@Tag("benchmark")
class DecodeBenchmark {
  /**
   * Decodes to the decoder's own array of values (the project's 16-bit chars for maps and packed 0xRRGGBB ints for
   * the photo, the libraries' ints).
   */
  interface Decoder {
    Object decode(byte[] png) throws Exception;
  }

  private static int[] asInts(Object values) {
    int n = java.lang.reflect.Array.getLength(values);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = java.lang.reflect.Array.getInt(values, i);
    }
    return out;
  }

  /** Values to compare with a map's expected ones: RGB samples interleaved by a library packed to 0xRRGGBB. */
  private static int[] comparable(Object values, int pixels) {
    int[] ints = asInts(values);
    if (ints.length != 3 * pixels) {
      return ints;
    }
    int[] packed = new int[pixels];
    for (int i = 0; i < pixels; i++) {
      packed[i] = ints[3 * i] << 16 | ints[3 * i + 1] << 8 | ints[3 * i + 2];
    }
    return packed;
  }

  static int[] imageIo(byte[] png) throws Exception {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    return img.getRaster().getPixels(0, 0, img.getWidth(), img.getHeight(), (int[]) null);
  }

  static int[] pngj(byte[] png) {
    PngReaderInt reader = new PngReaderInt(new ByteArrayInputStream(png));
    int w = reader.imgInfo.samplesPerRow; // a sample per pixel for maps, three for RGB
    int h = reader.imgInfo.rows;
    int[] out = new int[w * h];
    for (int y = 0; y < h; y++) {
      ImageLineInt line = (ImageLineInt) reader.readRow();
      System.arraycopy(line.getScanline(), 0, out, y * w, w);
    }
    reader.end();
    return out;
  }

  @Test
  void decodersOnCityscapesSizedMaps() throws Exception {
    int w = 2048;
    int h = 1024;
    int rounds = Integer.getInteger("segeval.decode.rounds", 5);
    int perRound = Integer.getInteger("segeval.decode.images", 10);
    SyntheticDatasets.Scene scene = SyntheticDatasets.cityscapesScene(w, h, new SplittableRandom(11));
    int[] palette = SyntheticDatasets.vocPalette();
    int[] photo = SyntheticDatasets.cityscapesPhoto(scene, new SplittableRandom(12));
    int[] voc = new int[scene.labels().length];
    for (int i = 0; i < voc.length; i++) {
      voc[i] = scene.labels()[i] % 21;
    }
    List<Object[]> inputs = List.of(
        new Object[] {"8-bit grey (labelIds)", PngEncoder.encodeGray8(w, h, scene.labels()), scene.labels()},
        new Object[] {"16-bit grey (instanceIds)", PngEncoder.encodeGray16(w, h, scene.instances()),
            scene.instances()},
        new Object[] {"8-bit palette (VOC)", PngEncoder.encodePalette(w, h, voc, palette), voc},
        new Object[] {"8-bit RGB (leftImg8bit photo)", PngEncoder.encodeRgb(w, h, photo), photo});
    List<String> names = List.of("PngDecoder (project)", "ImageIO", "PNGJ 2.1.0");
    // The project decodes a map to its values and a photo to packed 0xRRGGBB (what the model path takes); the
    // libraries return samples, three per pixel for RGB.
    List<Decoder> decoders = List.of(png -> PngDecoder.readHeader(png, "bench").colorType() == PngDecoder.COLOR_RGB
            ? PngDecoder.decodeRgb(png, "bench").rgb() : PngDecoder.decodeIndex(png, "bench").values(),
        DecodeBenchmark::imageIo, DecodeBenchmark::pngj);
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n## PNG decoding, %s%n%nCommand: `mvn -B test "
        + "-Dgroups=benchmark -Dtest=DecodeBenchmark`  %nMachine: %s, %d cores, Java %s. %dx%d maps and photo from "
        + "the synthetic Cityscapes scenes, encoded by the project (zlib level 6, adaptive filters); %d rounds of %d "
        + "decodes each to an array of values (the project's 16-bit chars for maps and packed 0xRRGGBB ints for the "
        + "photo, the libraries' ints), alternating, fastest round; one thread.%n%n"
        + "| map | PNG bytes | %s ms | %s ms | %s ms | ImageIO / project | PNGJ / project |%n"
        + "|---|---:|---:|---:|---:|---:|---:|%n", Instant.now(), System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), w, h, rounds, perRound,
        names.get(0), names.get(1), names.get(2)));
    long checksum = 0;
    for (Object[] input : inputs) {
      byte[] png = (byte[]) input[1];
      int[] expected = (int[]) input[2];
      for (int d = 0; d < decoders.size(); d++) {
        if (!Arrays.equals(expected, comparable(decoders.get(d).decode(png), expected.length))) {
          throw new AssertionError(names.get(d) + " decodes " + input[0] + " to other values");
        }
      }
      double[] best = new double[decoders.size()];
      Arrays.fill(best, Double.MAX_VALUE);
      for (int r = 0; r < rounds; r++) {
        for (int d = 0; d < decoders.size(); d++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < perRound; i++) {
            checksum += java.lang.reflect.Array.getInt(decoders.get(d).decode(png), i);
          }
          best[d] = Math.min(best[d], (System.nanoTime() - t0) / 1e6 / perRound);
        }
      }
      md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.2f | %.2f |%n", input[0], png.length,
          best[0], best[1], best[2], best[1] / best[0], best[2] / best[0]));
    }
    md.append("\n(checksum ").append(checksum).append(")\n");
    System.out.println(md);
    String results = System.getProperty("segeval.results");
    if (results != null && !results.isBlank()) {
      Files.writeString(Path.of(results), md, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
  }
}
