package dev.segeval.imaging;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Throughput measurement: decodes a Cityscapes-sized 8-bit label map N times and prints MB/s of decoded
 * pixels, with ImageIO alongside for scale. It measures speed rather than correctness (only that the timed decode
 * returns the encoded labels), so it is tagged "benchmark", which the build excludes unless asked for.
 *
 * <p>Run with: {@code mvn -B test -Dgroups=benchmark}, or without Maven:
 * {@code java -cp target/classes:target/test-classes dev.segeval.imaging.PngBenchmark [N]}
 */
@Tag("benchmark")
public final class PngBenchmark {

    @Test
    void decodeAndEncodeThroughput() throws Exception {
        measure(200);
    }

    public static void main(String[] args) throws Exception {
        measure(args.length > 0 ? Integer.parseInt(args[0]) : 200);
    }

    static void measure(int n) throws Exception {
        int w = 2048;
        int h = 1024;
        int[] labels = labelMap(w, h);
        byte[] png = PngEncoder.encodeGray8(w, h, labels);
        double megabytes = (double) w * h / 1e6; // one byte per pixel decoded
        System.out.printf(Locale.ROOT, "image %dx%d 8-bit grey, PNG %d bytes (%.1f%% of raw)%n",
                w, h, png.length, 100.0 * png.length / (w * h));
        // A plain check rather than JUnit's assertions: main() runs without JUnit on the class path.
        if (!Arrays.equals(labels, PngDecoder.decodeIndex(png, "bench").values())) {
            throw new AssertionError("the benchmark image does not decode to the labels it was encoded from");
        }

        long checksum = 0;
        for (int i = 0; i < Math.max(10, n / 10); i++) { // warm-up for the JIT
            checksum += PngDecoder.decodeIndex(png, "bench").values()[i];
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            checksum += PngDecoder.decodeIndex(png, "bench").values()[i % labels.length];
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "PngDecoder.decodeIndex: %d decodes in %.2f s, %.1f ms/image, %.0f MB/s%n",
                n, seconds, 1000 * seconds / n, n * megabytes / seconds);

        int m = Math.max(5, n / 4);
        for (int i = 0; i < 5; i++) {
            checksum += ImageIO.read(new ByteArrayInputStream(png)).getRaster().getSample(i, 0, 0);
        }
        t0 = System.nanoTime();
        for (int i = 0; i < m; i++) {
            checksum += ImageIO.read(new ByteArrayInputStream(png)).getRaster().getSample(i % w, 0, 0);
        }
        seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "ImageIO.read (for comparison): %d decodes, %.1f ms/image, %.0f MB/s%n",
                m, 1000 * seconds / m, m * megabytes / seconds);

        t0 = System.nanoTime();
        int e = Math.max(5, n / 10);
        for (int i = 0; i < e; i++) {
            checksum += PngEncoder.encodeGray8(w, h, labels).length;
        }
        seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "PngEncoder.encodeGray8: %.1f ms/image, %.0f MB/s%n",
                1000 * seconds / e, e * megabytes / seconds);
        System.out.println("checksum " + checksum); // keeps the JIT from discarding the work
    }

    /** Polygon-like regions of 19 classes with ragged boundaries, roughly like Cityscapes labelIds. */
    static int[] labelMap(int w, int h) {
        Random rnd = new Random(42);
        int[] v = new int[w * h];
        int[] cx = new int[40];
        int[] cy = new int[40];
        int[] cls = new int[40];
        for (int i = 0; i < cx.length; i++) {
            cx[i] = rnd.nextInt(w);
            cy[i] = rnd.nextInt(h);
            cls[i] = rnd.nextInt(34);
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int best = 0;
                long bestD = Long.MAX_VALUE;
                for (int i = 0; i < cx.length; i++) {
                    long dx = x - cx[i];
                    long dy = y - cy[i];
                    long d = dx * dx + 3 * dy * dy;
                    if (d < bestD) {
                        bestD = d;
                        best = i;
                    }
                }
                v[y * w + x] = cls[best];
            }
        }
        return v;
    }
}
