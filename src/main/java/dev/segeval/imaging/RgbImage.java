package dev.segeval.imaging;

import java.util.Arrays;
import java.util.Objects;

/**
 * A colour image as packed 0xRRGGBB ints, row-major. Alpha is never stored: evaluation compares
 * colours, and carrying alpha would make equal-looking pixels compare unequal.
 *
 * <p>The array is shared, not copied.
 */
public record RgbImage(int width, int height, int[] rgb) {

    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative image size " + width + "x" + height);
        }
        if ((long) width * height != rgb.length) {
            throw new IllegalArgumentException("rgb has " + rgb.length + " entries but the image is "
                    + width + "x" + height);
        }
    }

    /** Packed 0xRRGGBB at column x, row y. */
    public int get(int x, int y) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        return rgb[y * width + x];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other
                && width == other.width && height == other.height
                && Arrays.equals(rgb, other.rgb);
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, Arrays.hashCode(rgb));
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
