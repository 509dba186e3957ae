package dev.segeval.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecodersTest {

    /** Smooth content, which JPEG reproduces closely. */
    static RgbImage smooth(int w, int h) {
        int[] rgb = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                rgb[y * w + x] = (x * 255 / (w - 1)) << 16 | (y * 255 / (h - 1)) << 8 | 128;
            }
        }
        return new RgbImage(w, h, rgb);
    }

    static int maxChannelDifference(int[] a, int[] b) {
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int shift = 0; shift < 24; shift += 8) {
                max = Math.max(max, Math.abs(((a[i] >>> shift) & 0xFF) - ((b[i] >>> shift) & 0xFF)));
            }
        }
        return max;
    }

    static String failure(byte[] data, String name) {
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageDecoders.decodeRgb(data, name));
        assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void pngGoesThroughPngDecoder() throws IOException {
        int[] idx = {0, 1, 2, 1};
        int[] palette = {0x800000, 0x008000, 0x808000};
        byte[] png = PngEncoder.encodePalette(2, 2, idx, palette);
        RgbImage img = ImageDecoders.decodeRgb(png, "pred.png");
        assertArrayEquals(new int[] {0x800000, 0x008000, 0x808000, 0x008000}, img.rgb());
        // PNG errors keep PngDecoder's detailed messages.
        assertTrue(failure(Arrays.copyOf(png, png.length - 3), "pred.png").contains("truncated PNG"));
    }

    @Test
    void jpegRoundTrip() throws IOException {
        RgbImage original = smooth(96, 64);
        byte[] jpeg = ImageDecoders.encodeJpeg(original, 0.95f);
        assertEquals((byte) 0xFF, jpeg[0]);
        assertEquals((byte) 0xD8, jpeg[1]);
        RgbImage decoded = ImageDecoders.decodeRgb(jpeg, "photo.jpg");
        assertEquals(96, decoded.width());
        assertEquals(64, decoded.height());
        int diff = maxChannelDifference(original.rgb(), decoded.rgb());
        assertTrue(diff <= 12, "JPEG at quality 0.95 changed a channel by " + diff);
        // Identical to what ImageIO itself decodes.
        BufferedImage viaImageIo = ImageIO.read(new ByteArrayInputStream(jpeg));
        int[] expected = viaImageIo.getRGB(0, 0, 96, 64, null, 0, 96);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i] & 0xFFFFFF, decoded.rgb()[i]);
        }
    }

    @Test
    void jpegQualityControlsSize() {
        RgbImage img = smooth(128, 128);
        int[] rgb = img.rgb();
        for (int i = 0; i < rgb.length; i += 7) {
            rgb[i] ^= 0x3F3F3F; // texture, so that quality actually matters
        }
        byte[] low = ImageDecoders.encodeJpeg(img, 0.2f);
        byte[] high = ImageDecoders.encodeJpeg(img, 0.98f);
        assertTrue(low.length < high.length, low.length + " vs " + high.length);
        assertThrows(IllegalArgumentException.class, () -> ImageDecoders.encodeJpeg(img, 1.5f));
        assertThrows(IllegalArgumentException.class, () -> ImageDecoders.encodeJpeg(img, Float.NaN));
    }

    @Test
    void greyJpegKeepsGreyLevels() throws IOException {
        BufferedImage grey = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                grey.getRaster().setSample(x, y, 0, 100);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(grey, "jpeg", out));
        RgbImage img = ImageDecoders.decodeRgb(out.toByteArray(), "grey.jpg");
        // A flat block survives JPEG exactly; getRGB would have reported a brighter, gamma-shifted grey.
        for (int v : img.rgb()) {
            assertEquals(0x646464, v);
        }
    }

    @Test
    void truncatedOrCorruptJpeg() {
        byte[] jpeg = ImageDecoders.encodeJpeg(smooth(64, 64), 0.9f);
        assertTrue(failure(Arrays.copyOf(jpeg, jpeg.length / 2), "cut.jpg").contains("truncated JPEG"));
        assertTrue(failure(Arrays.copyOf(jpeg, jpeg.length - 2), "noeoi.jpg").contains("truncated JPEG"));
        assertTrue(failure(Arrays.copyOf(jpeg, 2), "tiny.jpg").contains("JPEG"));
        byte[] garbage = new byte[300];
        garbage[0] = (byte) 0xFF;
        garbage[1] = (byte) 0xD8;
        Arrays.fill(garbage, 2, garbage.length, (byte) 0x42);
        assertTrue(failure(garbage, "garbage.jpg").contains("JPEG"));
    }

    @Test
    void otherFormatsAreRejectedWithTheSupportedList() {
        byte[] gif = "GIF89a....".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        String msg = failure(gif, "img.gif");
        assertTrue(msg.contains("unsupported image format") && msg.contains("PNG and JPEG"), msg);
        assertTrue(msg.contains("47 49 46 38"), msg);
        byte[] bmp = {'B', 'M', 0, 0, 0, 0};
        assertTrue(failure(bmp, "img.bmp").contains("PNG and JPEG"));
        String empty = failure(new byte[0], "empty.png");
        assertTrue(empty.contains("empty") && empty.contains("PNG and JPEG"), empty);
    }

    @org.junit.jupiter.api.Test
    void readSizeComesFromTheHeaderOnly() throws Exception {
        int[] rgb = new int[40 * 30];
        byte[] jpeg = ImageDecoders.encodeJpeg(new RgbImage(40, 30, rgb), 0.9f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {40, 30}, ImageDecoders.readSize(jpeg, "a.jpg"));
        byte[] png = PngEncoder.encodeRgb(7, 5, new int[35]);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {7, 5},
                ImageDecoders.readSize(java.util.Arrays.copyOf(png, 40), "cut.png"));
        org.junit.jupiter.api.Assertions.assertThrows(ImageFormatException.class,
                () -> ImageDecoders.readSize(new byte[] {1, 2, 3}, "x.bin"));
    }
}
