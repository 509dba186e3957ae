package dev.segeval.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PngDecoderTest {

    /** A PNG format under test: colour type, bit depth and (for palette) the palette colours. */
    record Format(String name, int colorType, int bitDepth, int[] palette) {
        @Override
        public String toString() {
            return name;
        }

        int channels() {
            return PngTestWriter.channels(colorType);
        }

        byte[] plte() {
            return palette == null ? null : PngTestWriter.rgbPalette(palette);
        }

        int maxSample() {
            return colorType == 3 ? palette.length - 1 : (1 << bitDepth) - 1;
        }
    }

    static final Format GREY1 = new Format("grey1", 0, 1, null);
    static final Format GREY2 = new Format("grey2", 0, 2, null);
    static final Format GREY4 = new Format("grey4", 0, 4, null);
    static final Format GREY8 = new Format("grey8", 0, 8, null);
    static final Format GREY16 = new Format("grey16", 0, 16, null);
    static final Format PAL1 = new Format("palette1", 3, 1, new int[] {0x102030, 0xFFEEDD});
    static final Format PAL2 = new Format("palette2", 3, 2, new int[] {0x800000, 0x008000, 0x000080});
    static final Format PAL4 = new Format("palette4", 3, 4, PngTestWriter.vocPalette(16));
    static final Format PAL8 = new Format("palette8", 3, 8, PngTestWriter.vocPalette(256));
    static final Format GREY_ALPHA8 = new Format("greyAlpha8", 4, 8, null);
    static final Format GREY_ALPHA16 = new Format("greyAlpha16", 4, 16, null);
    static final Format RGB8 = new Format("rgb8", 2, 8, null);
    static final Format RGB16 = new Format("rgb16", 2, 16, null);
    static final Format RGBA8 = new Format("rgba8", 6, 8, null);
    static final Format RGBA16 = new Format("rgba16", 6, 16, null);

    static final List<Format> ALL = List.of(GREY1, GREY2, GREY4, GREY8, GREY16, PAL1, PAL2, PAL4, PAL8,
            GREY_ALPHA8, GREY_ALPHA16, RGB8, RGB16, RGBA8, RGBA16);

    /**
     * Samples mixing smooth gradients (so predictors produce small residuals) with noise (so they do
     * not), which gives every filter path non-trivial input.
     */
    static int[] samples(Format f, int w, int h, long seed) {
        Random rnd = new Random(seed);
        int ch = f.channels();
        int max = f.maxSample();
        int[] s = new int[w * h * ch];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < ch; c++) {
                    int v = (y * 3 + x * 5 + c * 11) % (max + 1);
                    if (rnd.nextInt(3) == 0) {
                        v = rnd.nextInt(max + 1);
                    }
                    s[(y * w + x) * ch + c] = v;
                }
            }
        }
        if (s.length > 0) {
            s[s.length - 1] = max; // extreme values must survive too
            s[0] = 0;
        }
        return s;
    }

    /** What decodeRgb should return, computed from the samples by the rules in its contract. */
    static int[] expectedRgb(Format f, int[] s) {
        int ch = f.channels();
        int n = s.length / ch;
        int[] out = new int[n];
        int shift = f.bitDepth == 16 ? 8 : 0;
        for (int i = 0; i < n; i++) {
            int base = i * ch;
            switch (f.colorType) {
                case 0:
                case 4: {
                    int g = f.bitDepth < 8 ? s[base] * 255 / ((1 << f.bitDepth) - 1) : s[base] >>> shift;
                    out[i] = g << 16 | g << 8 | g;
                    break;
                }
                case 3:
                    out[i] = f.palette[s[base]];
                    break;
                default:
                    out[i] = (s[base] >>> shift) << 16 | (s[base + 1] >>> shift) << 8 | (s[base + 2] >>> shift);
            }
        }
        return out;
    }

    static void assertImageIoSees(byte[] png, Format f, int w, int h, int[] s) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(w, img.getWidth());
        assertEquals(h, img.getHeight());
        Raster r = img.getRaster();
        int ch = f.channels();
        int[] pixel = new int[r.getNumBands()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(x, y, pixel);
                for (int c = 0; c < ch; c++) {
                    assertEquals(s[(y * w + x) * ch + c], pixel[c], () -> "ImageIO disagrees with the test writer");
                }
            }
        }
    }

    static void assertDecodes(byte[] png, Format f, int w, int h, int[] s) throws IOException {
        if (f.channels() == 1) {
            IndexImage idx = PngDecoder.decodeIndex(png, f.name);
            assertEquals(w, idx.width());
            assertEquals(h, idx.height());
            assertEquals(f.bitDepth, idx.bitDepth());
            assertEquals(f.colorType == 3, idx.palette());
            assertArrayEquals(s, idx.intValues());
        }
        RgbImage rgb = PngDecoder.decodeRgb(png, f.name);
        assertEquals(w, rgb.width());
        assertEquals(h, rgb.height());
        assertArrayEquals(expectedRgb(f, s), rgb.rgb());
    }

    static Stream<Arguments> formatsAndFilters() {
        List<Arguments> args = new ArrayList<>();
        for (Format f : ALL) {
            for (int filter = 0; filter <= 4; filter++) {
                args.add(Arguments.of(f, filter));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} filter {1}")
    @MethodSource("formatsAndFilters")
    void everyFilterTypeOnEveryFormat(Format f, int filter) throws IOException {
        int w = 19;
        int h = 11;
        int[] s = samples(f, w, h, 31L * filter + f.name.hashCode());
        byte[] png = PngTestWriter.build(w, h, f.colorType, f.bitDepth, s, f.plte(), filter, false);
        assertImageIoSees(png, f, w, h, s);
        assertDecodes(png, f, w, h, s);
    }

    @Test
    void filtersChangingEveryRowAndManySmallIdatChunks() throws IOException {
        int w = 57;
        int h = 40;
        for (Format f : List.of(GREY8, GREY16, RGB8, RGBA16, PAL4)) {
            int[] s = samples(f, w, h, 7);
            byte[] png = PngTestWriter.build(w, h, f.colorType, f.bitDepth, s, f.plte(),
                    PngTestWriter.FILTER_CYCLE, false, 7);
            assertDecodes(png, f, w, h, s);
        }
    }

    @Test
    void predictionsThatWrapAroundAByte() throws IOException {
        // Values near 0 and 255 make predictions overflow a byte, and odd neighbour sums make
        // Average's floor division matter.
        int[] s = {10, 200, 10, 11, 201, 9, 255, 0, 255, 1, 254, 3};
        for (int filter = 0; filter <= 4; filter++) {
            byte[] png = PngTestWriter.build(3, 4, 0, 8, s, null, filter, false);
            assertArrayEquals(s, PngDecoder.decodeIndex(png, "paeth").intValues(), "filter " + filter);
        }
    }

    static Stream<Arguments> interlaceCases() {
        List<Arguments> args = new ArrayList<>();
        int[][] sizes = {{1, 1}, {2, 3}, {3, 2}, {5, 7}, {8, 8}, {9, 9}, {13, 11}, {33, 17}, {64, 3}, {3, 64}};
        for (Format f : List.of(GREY1, GREY2, GREY4, GREY8, GREY16, PAL2, PAL8, RGB8, RGBA16, GREY_ALPHA8)) {
            for (int[] size : sizes) {
                args.add(Arguments.of(f, size[0], size[1]));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("interlaceCases")
    void adam7MatchesNonInterlaced(Format f, int w, int h) throws IOException {
        int[] s = samples(f, w, h, w * 1000L + h);
        byte[] plain = PngTestWriter.build(w, h, f.colorType, f.bitDepth, s, f.plte(), PngTestWriter.FILTER_CYCLE, false);
        // Forced Up/Average/Paeth put a prior-row filter on the first row of every pass, which only
        // decodes right if the prior row is reset to zero at each pass start.
        for (int filter : new int[] {PngTestWriter.FILTER_CYCLE, 2, 3, 4}) {
            byte[] interlaced = PngTestWriter.build(w, h, f.colorType, f.bitDepth, s, f.plte(), filter, true, 5);
            assertTrue(PngDecoder.readHeader(interlaced, "i").interlaced());
            assertImageIoSees(interlaced, f, w, h, s);
            assertDecodes(interlaced, f, w, h, s);
            assertEquals(PngDecoder.decodeRgb(plain, "p"), PngDecoder.decodeRgb(interlaced, "i"));
            if (f.channels() == 1) {
                assertEquals(PngDecoder.decodeIndex(plain, "p"), PngDecoder.decodeIndex(interlaced, "i"));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17})
    void lowBitDepthsUnpackEveryWidth(int w) throws IOException {
        for (Format f : List.of(GREY1, GREY2, GREY4, PAL1, PAL2, PAL4)) {
            int[] s = samples(f, w, 3, w);
            byte[] png = PngTestWriter.build(w, 3, f.colorType, f.bitDepth, s, f.plte(), 0, false);
            assertDecodes(png, f, w, 3, s);
        }
    }

    @Test
    void lowBitGreyIsScaledToFullRangeForRgb() throws IOException {
        byte[] g1 = PngTestWriter.build(2, 1, 0, 1, new int[] {0, 1}, null, 0, false);
        assertArrayEquals(new int[] {0x000000, 0xFFFFFF}, PngDecoder.decodeRgb(g1, "g1").rgb());
        byte[] g2 = PngTestWriter.build(4, 1, 0, 2, new int[] {0, 1, 2, 3}, null, 0, false);
        assertArrayEquals(new int[] {0x000000, 0x555555, 0xAAAAAA, 0xFFFFFF}, PngDecoder.decodeRgb(g2, "g2").rgb());
        byte[] g4 = PngTestWriter.build(3, 1, 0, 4, new int[] {0, 7, 15}, null, 0, false);
        assertArrayEquals(new int[] {0x000000, 0x777777, 0xFFFFFF}, PngDecoder.decodeRgb(g4, "g4").rgb());
        assertArrayEquals(new int[] {0, 7, 15}, PngDecoder.decodeIndex(g4, "g4").intValues());
    }

    @Test
    void vocPaletteIsReadByIndexNotColour() throws IOException {
        int[] voc = PngTestWriter.vocPalette(256);
        assertEquals(0x800000, voc[1]);
        assertEquals(0x008000, voc[2]);
        assertEquals(0xE0E0C0, voc[255]); // the VOC "void" boundary colour
        int w = 22;
        int h = 3;
        int[] idx = new int[w * h];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i % 21;
        }
        idx[idx.length - 1] = 255;
        byte[] png = PngEncoder.encodePalette(w, h, idx, voc);

        IndexImage labels = PngDecoder.decodeIndex(png, "voc.png");
        assertTrue(labels.palette());
        assertEquals(8, labels.bitDepth());
        assertEquals(1, labels.get(1, 0));
        assertEquals(20, labels.get(20, 0));
        assertEquals(255, labels.get(w - 1, h - 1));
        assertArrayEquals(idx, labels.intValues());

        RgbImage colours = PngDecoder.decodeRgb(png, "voc.png");
        assertEquals(0x800000, colours.get(1, 0));
        assertEquals(0xE0E0C0, colours.get(w - 1, h - 1));
        for (int i = 0; i < idx.length; i++) {
            assertEquals(voc[idx[i]], colours.rgb()[i]);
        }
    }

    @Test
    void shuffledPaletteKeepsIndices() throws IOException {
        // Palette entry i is a colour that, read as a number, differs from i; decoding by colour
        // would give a completely different label map.
        List<Integer> colours = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            colours.add(0x030507 * (i + 1) ^ 0x5A0000);
        }
        Collections.shuffle(colours, new Random(99));
        int[] palette = colours.stream().mapToInt(Integer::intValue).toArray();
        Random rnd = new Random(5);
        int w = 31;
        int h = 9;
        int[] idx = rnd.ints(w * h, 0, palette.length).toArray();
        // Through the independent writer (PLTE with fewer than 256 entries) and through the encoder.
        byte[] a = PngTestWriter.build(w, h, 3, 8, idx, PngTestWriter.rgbPalette(palette), 4, false);
        byte[] b = PngEncoder.encodePalette(w, h, idx, palette);
        for (byte[] png : List.of(a, b)) {
            assertArrayEquals(idx, PngDecoder.decodeIndex(png, "shuffled.png").intValues());
            int[] rgb = PngDecoder.decodeRgb(png, "shuffled.png").rgb();
            for (int i = 0; i < idx.length; i++) {
                assertEquals(palette[idx[i]], rgb[i]);
                assertNotEquals(idx[i], rgb[i]);
            }
        }
    }

    @Test
    void paletteIndexBeyondPaletteIsBlackInRgbButKeptAsIndex() throws IOException {
        byte[] png = PngTestWriter.build(3, 1, 3, 8, new int[] {0, 1, 7}, PngTestWriter.rgbPalette(0x112233, 0x445566),
                0, false);
        assertArrayEquals(new int[] {0, 1, 7}, PngDecoder.decodeIndex(png, "p").intValues());
        assertArrayEquals(new int[] {0x112233, 0x445566, 0}, PngDecoder.decodeRgb(png, "p").rgb());
    }

    @Test
    void sixteenBitGreyKeepsFullValuesAndRgbTakesHighByte() throws IOException {
        int[] s = {0, 255, 256, 26001, 33000, 65535};
        byte[] png = PngTestWriter.build(3, 2, 0, 16, s, null, 1, false);
        IndexImage img = PngDecoder.decodeIndex(png, "depth.png");
        assertArrayEquals(s, img.intValues());
        assertEquals(16, img.bitDepth());
        assertEquals(33000, img.get(1, 1));
        assertArrayEquals(new int[] {0, 0, 0x010101, 0x656565, 0x808080, 0xFFFFFF},
                PngDecoder.decodeRgb(png, "depth.png").rgb());
    }

    @Test
    void ancillaryChunksAndTransparencyAreIgnored() throws IOException {
        int[] idx = {0, 1, 1, 0};
        byte[] plte = PngTestWriter.rgbPalette(0xFF0000, 0x00FF00);
        byte[] z = PngTestWriter.zlib(PngTestWriter.scanlines(2, 2, 3, 8, idx, 0, false));
        byte[] half1 = java.util.Arrays.copyOfRange(z, 0, z.length / 2);
        byte[] half2 = java.util.Arrays.copyOfRange(z, z.length / 2, z.length);
        byte[] png = PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(2, 2, 8, 3, 0)),
                PngTestWriter.chunk("gAMA", new byte[] {0, 0, (byte) 0xB1, (byte) 0x8F}),
                PngTestWriter.chunk("PLTE", plte),
                PngTestWriter.chunk("tRNS", new byte[] {0, (byte) 128}),
                PngTestWriter.chunk("IDAT", half1),
                PngTestWriter.chunk("IDAT", new byte[0]),
                PngTestWriter.chunk("IDAT", half2),
                PngTestWriter.chunk("tEXt", "Comment\0made by a test".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
                PngTestWriter.chunk("IEND", new byte[0]));
        assertArrayEquals(idx, PngDecoder.decodeIndex(png, "trns.png").intValues());
        assertArrayEquals(new int[] {0xFF0000, 0x00FF00, 0x00FF00, 0xFF0000}, PngDecoder.decodeRgb(png, "trns.png").rgb());
    }

    @Test
    void alphaIsDroppedEvenWhenZero() throws IOException {
        int[] s = {10, 20, 30, 0, 40, 50, 60, 255};
        byte[] png = PngTestWriter.build(2, 1, 6, 8, s, null, 0, false);
        assertArrayEquals(new int[] {0x0A141E, 0x28323C}, PngDecoder.decodeRgb(png, "a").rgb());
    }

    @Test
    void readSizeAndHeaderLookOnlyAtIhdr() throws IOException {
        // No IDAT and no IEND: size queries must still work on a header-only prefix.
        byte[] headerOnly = PngTestWriter.png(PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(2048, 1024, 16, 0, 1)));
        assertArrayEquals(new int[] {2048, 1024}, PngDecoder.readSize(headerOnly, "h.png"));
        PngDecoder.Header header = PngDecoder.readHeader(headerOnly, "h.png");
        assertEquals(new PngDecoder.Header(2048, 1024, 16, 0, true), header);
        assertEquals(1, header.channels());
        assertFalse(header.palette());
        assertEquals(4, PngDecoder.readHeader(PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(1, 1, 8, 6, 0))), "x").channels());
    }

    // ---- cross-checks against files written by ImageIO ----

    static byte[] writeWithImageIo(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "png", out), "ImageIO has a PNG writer");
        return out.toByteArray();
    }

    @Test
    void imageIoByteGray() throws IOException {
        int w = 70;
        int h = 33;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        Random rnd = new Random(1);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (x * y) % 7 == 0 ? rnd.nextInt(256) : (x + y) & 0xFF);
            }
        }
        byte[] png = writeWithImageIo(img);
        int[] expected = img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
        IndexImage idx = PngDecoder.decodeIndex(png, "gray.png");
        assertEquals(8, idx.bitDepth());
        assertFalse(idx.palette());
        assertArrayEquals(expected, idx.intValues());
        int[] rgb = PngDecoder.decodeRgb(png, "gray.png").rgb();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i] * 0x010101, rgb[i]);
        }
    }

    @Test
    void imageIoUshortGray() throws IOException {
        int w = 41;
        int h = 17;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
        Random rnd = new Random(2);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, rnd.nextInt(65536));
            }
        }
        img.getRaster().setSample(0, 0, 0, 26001);
        img.getRaster().setSample(1, 0, 0, 33000);
        img.getRaster().setSample(2, 0, 0, 65535);
        byte[] png = writeWithImageIo(img);
        IndexImage idx = PngDecoder.decodeIndex(png, "ushort.png");
        assertEquals(16, idx.bitDepth());
        assertArrayEquals(img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null), idx.intValues());
        assertEquals(26001, idx.get(0, 0));
        assertEquals(33000, idx.get(1, 0));
        assertEquals(65535, idx.get(2, 0));
    }

    @Test
    void imageIoIndexedWithCustomColourModel() throws IOException {
        int[] voc = PngTestWriter.vocPalette(21);
        byte[] r = new byte[21];
        byte[] g = new byte[21];
        byte[] b = new byte[21];
        // Reverse the order so that palette position and colour ranking disagree.
        int[] pal = new int[21];
        for (int i = 0; i < 21; i++) {
            pal[i] = voc[20 - i];
            r[i] = (byte) (pal[i] >>> 16);
            g[i] = (byte) (pal[i] >>> 8);
            b[i] = (byte) pal[i];
        }
        IndexColorModel icm = new IndexColorModel(8, 21, r, g, b);
        int w = 50;
        int h = 20;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, icm);
        Random rnd = new Random(3);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, rnd.nextInt(21));
            }
        }
        byte[] png = writeWithImageIo(img);
        IndexImage idx = PngDecoder.decodeIndex(png, "indexed.png");
        assertTrue(idx.palette());
        int[] expected = img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
        assertArrayEquals(expected, idx.intValues());
        int[] rgb = PngDecoder.decodeRgb(png, "indexed.png").rgb();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(pal[expected[i]], rgb[i]);
            assertEquals(img.getRGB(i % w, i / w) & 0xFFFFFF, rgb[i]);
        }
    }

    @Test
    void imageIoIntRgb() throws IOException {
        int w = 37;
        int h = 23;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(4);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, y % 3 == 0 ? rnd.nextInt() : (x * 7) << 16 | (y * 11) << 8 | (x + y));
            }
        }
        byte[] png = writeWithImageIo(img);
        int[] expected = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < expected.length; i++) {
            expected[i] &= 0xFFFFFF;
        }
        assertArrayEquals(expected, PngDecoder.decodeRgb(png, "rgb.png").rgb());
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> PngDecoder.decodeIndex(png, "rgb.png"));
        assertTrue(e.getMessage().startsWith("rgb.png: "), e.getMessage());
        assertTrue(e.getMessage().contains("3 channels"), e.getMessage());
    }

    @Test
    void imageIoFourByteAbgr() throws IOException {
        int w = 29;
        int h = 13;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR);
        Random rnd = new Random(5);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int band = 0; band < 4; band++) {
                    img.getRaster().setSample(x, y, band, rnd.nextInt(256));
                }
            }
        }
        byte[] png = writeWithImageIo(img);
        assertEquals(6, PngDecoder.readHeader(png, "abgr.png").colorType());
        int[] rgb = PngDecoder.decodeRgb(png, "abgr.png").rgb();
        Raster raster = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int expected = raster.getSample(x, y, 0) << 16 | raster.getSample(x, y, 1) << 8 | raster.getSample(x, y, 2);
                assertEquals(expected, rgb[y * w + x]);
            }
        }
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> PngDecoder.decodeIndex(png, "abgr.png"));
        assertTrue(e.getMessage().contains("4 channels"), e.getMessage());
    }

    @Test
    void indexImageAccessorsCheckBounds() {
        IndexImage img = new IndexImage(3, 2, new char[] {1, 2, 3, 4, 5, 6}, 8, false);
        assertEquals(6, img.get(2, 1));
        assertEquals(4, img.get(0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> img.get(3, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> img.get(0, 2));
        assertThrows(IllegalArgumentException.class, () -> new IndexImage(2, 2, new char[3], 8, false));
        RgbImage rgb = new RgbImage(2, 1, new int[] {0x010203, 0x040506});
        assertEquals(0x040506, rgb.get(1, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> rgb.get(-1, 0));
        assertEquals(new RgbImage(2, 1, new int[] {0x010203, 0x040506}), rgb);
    }
}
