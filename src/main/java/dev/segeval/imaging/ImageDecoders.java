package dev.segeval.imaging;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Decodes colour images (predictions stored as colour maps, or source photos) from PNG or JPEG,
 * choosing the decoder from the magic bytes rather than the file name, which is often wrong in
 * downloaded datasets.
 */
public final class ImageDecoders {

    private ImageDecoders() {
    }

    /** PNG via {@link PngDecoder}, JPEG via ImageIO; anything else is rejected. */
    public static RgbImage decodeRgb(byte[] data, String sourceName) throws ImageFormatException {
        Objects.requireNonNull(data, "data");
        if (isPng(data)) {
            return PngDecoder.decodeRgb(data, sourceName);
        }
        if (isJpeg(data)) {
            return decodeJpeg(data, sourceName);
        }
        if (data.length == 0) {
            throw new ImageFormatException(sourceName, "the file is empty; supported formats are PNG and JPEG");
        }
        throw new ImageFormatException(sourceName, "unsupported image format (file starts with "
                + PngDecoder.hexPrefix(data, 8) + "); supported formats are PNG and JPEG");
    }

    /**
     * {width, height} from the file header only (PNG IHDR, JPEG frame header through ImageIO's reader), so
     * that an oversized image can be refused before any pixel memory is allocated.
     */
    public static int[] readSize(byte[] data, String sourceName) throws ImageFormatException {
        if (isPng(data)) {
            return PngDecoder.readSize(data, sourceName);
        }
        if (isJpeg(data)) {
            try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
                Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
                if (!readers.hasNext()) {
                    throw new ImageFormatException(sourceName, "no JPEG reader available");
                }
                ImageReader reader = readers.next();
                try {
                    reader.setInput(in, true, true);
                    return new int[] {reader.getWidth(0), reader.getHeight(0)};
                } finally {
                    reader.dispose();
                }
            } catch (IOException e) {
                throw new ImageFormatException(sourceName, "unreadable JPEG header: " + e.getMessage(), e);
            }
        }
        throw new ImageFormatException(sourceName, "unsupported image format (file starts with "
                + PngDecoder.hexPrefix(data, 8) + "); supported formats are PNG and JPEG");
    }

    static boolean isPng(byte[] data) {
        // Four bytes suffice to route the file; PngDecoder checks the full signature itself.
        return data.length >= 4 && data[0] == (byte) 0x89 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G';
    }

    static boolean isJpeg(byte[] data) {
        return data.length >= 2 && data[0] == (byte) 0xFF && data[1] == (byte) 0xD8;
    }

    private static RgbImage decodeJpeg(byte[] data, String sourceName) throws ImageFormatException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        if (!readers.hasNext()) {
            throw new ImageFormatException(sourceName, "no JPEG reader is available in this Java runtime");
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        BufferedImage image;
        // MemoryCacheImageInputStream keeps ImageIO from creating temporary files for each image.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
            image = reader.read(0);
        } catch (IOException | RuntimeException e) {
            // ImageIO signals some corrupt streams with unchecked exceptions (e.g. IndexOutOfBounds).
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            String truncation = truncationWarning(warnings);
            // A file cut inside its headers fails with a structural error ("missing SOS marker");
            // the warning tells the user the real cause.
            throw new ImageFormatException(sourceName, truncation != null
                    ? "truncated JPEG: " + truncation + " (" + why + ")"
                    : "corrupt JPEG: " + why, e);
        } finally {
            reader.dispose();
        }
        if (image == null) {
            throw new ImageFormatException(sourceName, "corrupt JPEG: ImageIO returned no image");
        }
        // ImageIO fills the missing part of a truncated JPEG with grey and only warns; for
        // evaluation a half-grey image must be an error, not a silently wrong score.
        String truncation = truncationWarning(warnings);
        if (truncation != null) {
            throw new ImageFormatException(sourceName, "truncated JPEG: " + truncation);
        }
        return toRgb(image);
    }

    /**
     * The first warning that means data is missing, or null. A missing EOI marker counts, just as a
     * missing IEND does for PNG. Other warnings (such as stray bytes between markers) are common in
     * real files and harmless, so they are not reported.
     */
    private static String truncationWarning(List<String> warnings) {
        for (String w : warnings) {
            String lower = w.toLowerCase(Locale.ROOT);
            if (lower.contains("premature end") || lower.contains("truncated")) {
                return w;
            }
        }
        return null;
    }

    /** Packed 0xRRGGBB from a BufferedImage, reading grey rasters directly. */
    static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            // getRGB would send grey through Java's linear grey colour space and change the values.
            int[] grey = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < grey.length; i++) {
                grey[i] *= 0x010101;
            }
            return new RgbImage(w, h, grey);
        }
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] &= 0xFFFFFF;
        }
        return new RgbImage(w, h, rgb);
    }

    /**
     * Encodes an image as baseline JPEG through ImageIO.
     *
     * @param quality 0 (smallest) to 1 (best), as in {@link ImageWriteParam#setCompressionQuality}
     */
    public static byte[] encodeJpeg(RgbImage img, float quality) {
        Objects.requireNonNull(img, "img");
        if (!(quality >= 0f && quality <= 1f)) {
            throw new IllegalArgumentException("JPEG quality must be within 0..1, got " + quality);
        }
        if (img.width() == 0 || img.height() == 0) {
            throw new IllegalArgumentException("JPEG needs a positive size, got " + img.width() + "x" + img.height());
        }
        BufferedImage bi = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_INT_RGB);
        int[] pixels = ((DataBufferInt) bi.getRaster().getDataBuffer()).getData();
        System.arraycopy(img.rgb(), 0, pixels, 0, pixels.length);
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no JPEG writer is available in this Java runtime");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.setOutput(out);
            writer.write(null, new IIOImage(bi, null, null), param);
        } catch (IOException e) {
            // Only an in-memory stream is involved, so this means a broken writer, not bad input.
            throw new UncheckedIOException("JPEG encoding failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
