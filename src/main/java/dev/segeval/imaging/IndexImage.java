package dev.segeval.imaging;

import java.util.Arrays;
import java.util.Objects;

/**
 * A single-channel image holding raw sample values: grey levels for greyscale PNGs (up to 65535 for
 * 16-bit files) or palette indices for palette PNGs. Values are row-major, one unsigned 16-bit {@code char} per
 * pixel: every value a PNG can hold, in half the bytes of an int. Scoring reads label, instance and prediction maps
 * at the memory's speed, so the width of a pixel is what sets its throughput.
 *
 * <p>The array is shared, not copied, because label images are large and decoded once.
 *
 * @param bitDepth bits per sample in the source file (1, 2, 4, 8 or 16 for PNG); kept so callers can
 *                 tell a 16-bit label map from an 8-bit one even when all values happen to be small
 * @param palette  true when the values are palette indices rather than grey levels
 */
public record IndexImage(int width, int height, char[] values, int bitDepth, boolean palette) {

    public IndexImage {
        Objects.requireNonNull(values, "values");
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative image size " + width + "x" + height);
        }
        if ((long) width * height != values.length) {
            throw new IllegalArgumentException("values has " + values.length + " entries but the image is "
                    + width + "x" + height);
        }
        if (bitDepth < 1 || bitDepth > 16) {
            throw new IllegalArgumentException("bit depth " + bitDepth + " is outside 1..16");
        }
    }

    /** Value at column x, row y; bounds are checked per axis so a bad x cannot wrap into the next row. */
    public int get(int x, int y) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        return values[y * width + x];
    }

    /** A copy of the values as ints (for callers that compute with them; scoring reads {@link #values()}). */
    public int[] intValues() {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /**
     * Values held as ints narrowed to the 16 bits of an image sample.
     *
     * @throws IllegalArgumentException naming the first value outside 0..65535, with its position
     */
    public static char[] narrow(int[] values, int width) {
        char[] out = new char[values.length];
        for (int i = 0; i < values.length; i++) {
            int v = values[i];
            if ((v & ~0xFFFF) != 0) {
                throw new IllegalArgumentException("value " + v + " at pixel (x=" + (width > 0 ? i % width : i)
                        + ", y=" + (width > 0 ? i / width : 0) + ") is outside 0..65535");
            }
            out[i] = (char) v;
        }
        return out;
    }

    // Records compare arrays by reference; label images are compared by content in tests and caches.
    @Override
    public boolean equals(Object o) {
        return o instanceof IndexImage other
                && width == other.width && height == other.height
                && bitDepth == other.bitDepth && palette == other.palette
                && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, bitDepth, palette, Arrays.hashCode(values));
    }

    // Printing millions of values would swamp logs and assertion messages.
    @Override
    public String toString() {
        return "IndexImage[" + width + "x" + height + ", bitDepth=" + bitDepth + ", palette=" + palette + "]";
    }
}
