package dev.segeval.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.Inflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngEncoderTest {

    /** A label-map-like image: large constant regions with a few noisy boundaries. */
    static int[] labels(int w, int h, int classes, long seed) {
        Random rnd = new Random(seed);
        int[] v = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = ((x / 37) + (y / 23) * 3) % classes;
                if (rnd.nextInt(50) == 0) {
                    c = rnd.nextInt(classes);
                }
                v[y * w + x] = c;
            }
        }
        return v;
    }

    static BufferedImage imageIo(byte[] png) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(img != null, "ImageIO must read the encoder's output");
        return img;
    }

    /** Chunk types in file order, and the inflated IDAT stream, parsed independently of PngDecoder. */
    record Parsed(java.util.List<String> chunkTypes, byte[] raw) {
    }

    static Parsed parse(byte[] png) throws Exception {
        java.util.List<String> types = new java.util.ArrayList<>();
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        int pos = 8;
        while (pos < png.length) {
            int len = PngDecoder.readInt(png, pos);
            String type = new String(png, pos + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
            types.add(type);
            if (type.equals("IDAT")) {
                idat.write(png, pos + 8, len);
            }
            pos += 12 + len;
        }
        Inflater inf = new Inflater();
        inf.setInput(idat.toByteArray());
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        while (!inf.finished()) {
            int n = inf.inflate(buf);
            if (n == 0 && inf.needsInput()) {
                break;
            }
            raw.write(buf, 0, n);
        }
        assertTrue(inf.finished(), "zlib stream must be complete (Adler-32 checked)");
        inf.end();
        return new Parsed(types, raw.toByteArray());
    }

    @Test
    void gray8RoundTrip() throws IOException {
        int w = 123;
        int h = 45;
        int[] v = labels(w, h, 256, 1);
        v[0] = 0;
        v[1] = 255;
        byte[] png = PngEncoder.encodeGray8(w, h, v);
        IndexImage back = PngDecoder.decodeIndex(png, "g8.png");
        assertEquals(new IndexImage(w, h, IndexImage.narrow(v, w), 8, false), back);
        BufferedImage img = imageIo(png);
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, img.getType());
        assertArrayEquals(v, img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null));
    }

    @Test
    void gray16RoundTripKeepsValuesAbove255() throws IOException {
        int w = 64;
        int h = 10;
        int[] v = new Random(2).ints(w * h, 0, 65536).toArray();
        int[] special = {0, 1, 255, 256, 26001, 33000, 65534, 65535};
        System.arraycopy(special, 0, v, 0, special.length);
        byte[] png = PngEncoder.encodeGray16(w, h, v);
        IndexImage back = PngDecoder.decodeIndex(png, "g16.png");
        assertEquals(16, back.bitDepth());
        assertArrayEquals(v, back.intValues());
        assertEquals(26001, back.get(4, 0));
        assertEquals(33000, back.get(5, 0));
        assertEquals(65535, back.get(7, 0));
        BufferedImage img = imageIo(png);
        assertEquals(BufferedImage.TYPE_USHORT_GRAY, img.getType());
        assertArrayEquals(v, img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null));
    }

    @Test
    void paletteRoundTrip() throws IOException {
        int w = 200;
        int h = 60;
        int[] palette = PngTestWriter.vocPalette(256);
        int[] idx = labels(w, h, 21, 3);
        idx[idx.length - 1] = 255;
        byte[] png = PngEncoder.encodePalette(w, h, idx, palette);
        IndexImage back = PngDecoder.decodeIndex(png, "pal.png");
        assertEquals(new IndexImage(w, h, IndexImage.narrow(idx, w), 8, true), back);
        RgbImage rgb = PngDecoder.decodeRgb(png, "pal.png");
        for (int i = 0; i < idx.length; i++) {
            assertEquals(palette[idx[i]], rgb.rgb()[i]);
        }
        BufferedImage img = imageIo(png);
        assertTrue(img.getColorModel() instanceof IndexColorModel);
        IndexColorModel icm = (IndexColorModel) img.getColorModel();
        assertEquals(256, icm.getMapSize());
        for (int i = 0; i < 256; i++) {
            assertEquals(palette[i], icm.getRGB(i) & 0xFFFFFF);
        }
        assertArrayEquals(idx, img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null));
    }

    @Test
    void shortPaletteWritesOnlyItsEntries() throws Exception {
        byte[] png = PngEncoder.encodePalette(2, 1, new int[] {2, 0}, new int[] {0xFF000000 | 0x123456, 0xABCDEF, 0x010203});
        int plte = PngDecoder.readInt(png, 33);
        assertEquals(9, plte, "PLTE holds exactly three entries");
        assertArrayEquals(new int[] {0x010203, 0x123456}, PngDecoder.decodeRgb(png, "p").rgb());
        assertEquals(Arrays.asList("IHDR", "PLTE", "IDAT", "IEND"), parse(png).chunkTypes());
    }

    @Test
    void rgbRoundTripIgnoresAlphaByte() throws IOException {
        int w = 77;
        int h = 31;
        Random rnd = new Random(4);
        int[] rgb = new int[w * h];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = i % 5 == 0 ? rnd.nextInt() & 0xFFFFFF : ((i % w) * 3) << 16 | (i / w * 8) << 8 | 0x40;
        }
        int[] argb = rgb.clone();
        for (int i = 0; i < argb.length; i++) {
            argb[i] |= 0xFF000000;
        }
        byte[] png = PngEncoder.encodeRgb(w, h, argb);
        assertEquals(new RgbImage(w, h, rgb), PngDecoder.decodeRgb(png, "rgb.png"));
        BufferedImage img = imageIo(png);
        int[] seen = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < seen.length; i++) {
            assertEquals(rgb[i], seen[i] & 0xFFFFFF);
        }
        assertArrayEquals(png, PngEncoder.encodeRgb(w, h, rgb), "alpha byte has no effect on the output");
    }

    @Test
    void onePixelImages() throws IOException {
        assertArrayEquals(new int[] {200}, PngDecoder.decodeIndex(PngEncoder.encodeGray8(1, 1, new int[] {200}), "a").intValues());
        assertArrayEquals(new int[] {40000}, PngDecoder.decodeIndex(PngEncoder.encodeGray16(1, 1, new int[] {40000}), "b").intValues());
        assertArrayEquals(new int[] {0}, PngDecoder.decodeIndex(PngEncoder.encodePalette(1, 1, new int[] {0}, new int[] {7}), "c").intValues());
        assertArrayEquals(new int[] {0xABCDEF}, PngDecoder.decodeRgb(PngEncoder.encodeRgb(1, 1, new int[] {0xABCDEF}), "d").rgb());
    }

    @Test
    void filterHeuristicUsesPredictorsAndShrinksSmoothImages() throws Exception {
        int w = 256;
        int h = 64;
        int[] v = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                v[y * w + x] = (x + 3 * y) & 0xFF; // a ramp: raw bytes are large, differences are tiny
            }
        }
        byte[] png = PngEncoder.encodeGray8(w, h, v);
        byte[] raw = parse(png).raw();
        assertEquals(h * (w + 1), raw.length);
        Set<Integer> used = new TreeSet<>();
        for (int y = 0; y < h; y++) {
            used.add(raw[y * (w + 1)] & 0xFF);
        }
        assertTrue(used.stream().allMatch(t -> t >= 0 && t <= 4), used.toString());
        assertTrue(!used.contains(0), "a ramp should never be left unfiltered, used " + used);
        assertEquals(1, raw[0], "first row of a horizontal ramp is best as Sub");
        assertArrayEquals(v, PngDecoder.decodeIndex(png, "ramp").intValues());
        assertTrue(png.length < w * h / 20, "ramp compressed to " + png.length + " bytes");
    }

    @Test
    void largeOutputIsSplitIntoSeveralIdatChunks() throws Exception {
        int w = 300;
        int h = 300;
        int[] noise = new Random(6).ints(w * h, 0, 1 << 24).toArray();
        byte[] png = PngEncoder.encodeRgb(w, h, noise);
        long idats = parse(png).chunkTypes().stream().filter("IDAT"::equals).count();
        assertTrue(idats >= 4, "incompressible 270 kB should need several IDAT chunks, got " + idats);
        assertArrayEquals(noise, PngDecoder.decodeRgb(png, "noise").rgb());
        assertEquals(w, imageIo(png).getWidth());
    }

    @Test
    void labelMapsCompressWell() throws IOException {
        int w = 1024;
        int h = 512;
        int[] v = labels(w, h, 19, 7);
        byte[] png = PngEncoder.encodeGray8(w, h, v);
        assertTrue(png.length < w * h / 4, "label map compressed to " + png.length + " bytes");
        assertArrayEquals(v, PngDecoder.decodeIndex(png, "labels").intValues());
    }

    @Test
    void rejectsValuesOutsideTheFormat() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PngEncoder.encodeGray8(2, 2, new int[] {0, 1, 256, 3}));
        assertTrue(e.getMessage().contains("256") && e.getMessage().contains("(0,1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PngEncoder.encodeGray8(1, 1, new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> PngEncoder.encodeGray16(1, 1, new int[] {65536}));
        assertThrows(IllegalArgumentException.class, () -> PngEncoder.encodeGray16(1, 1, new int[] {-5}));
        e = assertThrows(IllegalArgumentException.class,
                () -> PngEncoder.encodePalette(2, 1, new int[] {0, 3}, new int[] {1, 2, 3}));
        assertTrue(e.getMessage().contains("index 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PngEncoder.encodePalette(1, 1, new int[] {-1}, new int[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> PngEncoder.encodePalette(1, 1, new int[] {0}, new int[0]));
        assertThrows(IllegalArgumentException.class,
                () -> PngEncoder.encodePalette(1, 1, new int[] {0}, new int[257]));
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> PngEncoder.encodeGray8(2, 2, new int[3]));
        assertThrows(IllegalArgumentException.class, () -> PngEncoder.encodeGray8(0, 0, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> PngEncoder.encodeRgb(-1, -1, new int[1]));
        assertThrows(NullPointerException.class, () -> PngEncoder.encodeRgb(1, 1, null));
    }
}
