package dev.segeval.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PngDecoderErrorTest {

    static final String NAME = "gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_labelIds.png";

    /** 64x64 noisy grey image: its IDAT is several kB, so cuts can land well inside it. */
    static final int W = 64;
    static final int H = 64;
    static final int[] VALUES = new Random(11).ints(W * H, 0, 256).toArray();
    static final byte[] VALID = PngEncoder.encodeGray8(W, H, VALUES);

    /** Runs the decoder (both entry points) and returns the message, checking it names the file. */
    static String failure(byte[] data) {
        String index = message(() -> PngDecoder.decodeIndex(data, NAME));
        String rgb = message(() -> PngDecoder.decodeRgb(data, NAME));
        assertEquals(index, rgb, "both entry points report the same defect");
        return index;
    }

    static String message(Executable decode) {
        ImageFormatException e = assertThrows(ImageFormatException.class, decode);
        assertTrue(e.getMessage().startsWith(NAME + ": "), e.getMessage());
        assertEquals(NAME, e.sourceName());
        return e.getMessage();
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
        }
    }

    @Test
    void validFileDecodes() throws Exception {
        assertArrayEquals(VALUES, PngDecoder.decodeIndex(VALID, NAME).intValues());
        assertTrue(VALID.length > 4000, "test image should have a sizeable IDAT, has " + VALID.length);
    }

    // Offsets: empty, inside signature, right after it, inside IHDR header, inside IHDR data,
    // inside IHDR CRC, inside first IDAT header, a few IDAT positions, just before IEND, inside IEND.
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 5, 8, 12, 20, 31, 33, 37, 41, 100, 2000, -13, -12, -11, -5, -1})
    void truncatedAnywhere(int cut) {
        int length = cut >= 0 ? cut : VALID.length + cut;
        String msg = failure(Arrays.copyOf(VALID, length));
        assertContains(msg, "truncated PNG");
    }

    @Test
    void truncationMessagesSayWhereTheFileEnds() {
        assertContains(failure(Arrays.copyOf(VALID, VALID.length - 12)), "missing IEND");
        assertContains(failure(Arrays.copyOf(VALID, 100)), "chunk IDAT at offset 33", "file ends after 59 of them");
        assertContains(failure(Arrays.copyOf(VALID, 5)), "only 5 bytes");
    }

    @Test
    void idatStreamEndingEarly() {
        // Every chunk is intact (valid CRCs) but the zlib stream holds only part of the scanlines.
        byte[] raw = PngTestWriter.scanlines(W, H, 0, 8, VALUES, 0, false);
        byte[] z = PngTestWriter.zlib(Arrays.copyOf(raw, raw.length / 3));
        byte[] png = PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(W, H, 8, 0, 0)),
                PngTestWriter.chunk("IDAT", z),
                PngTestWriter.chunk("IEND", new byte[0]));
        String msg = failure(png);
        assertContains(msg, "truncated PNG: IDAT stream ended after " + raw.length / 3 + " of " + raw.length + " bytes");

        // Same, but the zlib stream itself is cut rather than finished.
        byte[] cutStream = Arrays.copyOf(PngTestWriter.zlib(raw), 100);
        byte[] png2 = PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(W, H, 8, 0, 0)),
                PngTestWriter.chunk("IDAT", cutStream),
                PngTestWriter.chunk("IEND", new byte[0]));
        assertContains(failure(png2), "truncated PNG: IDAT stream ended after", "of " + raw.length + " bytes");
    }

    @Test
    void corruptZlibData() {
        byte[] garbage = new byte[500];
        new Random(3).nextBytes(garbage);
        garbage[0] = 0x78;
        garbage[1] = (byte) 0x9C;
        garbage[2] = (byte) 0xFF; // reserved block type 3 in the first deflate header
        byte[] png = PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(8, 8, 8, 0, 0)),
                PngTestWriter.chunk("IDAT", garbage),
                PngTestWriter.chunk("IEND", new byte[0]));
        assertContains(failure(png), "corrupt PNG: invalid zlib data in IDAT stream");

        byte[] noZlibHeader = PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(8, 8, 8, 0, 0)),
                PngTestWriter.chunk("IDAT", new byte[] {1, 2, 3, 4, 5, 6}),
                PngTestWriter.chunk("IEND", new byte[0]));
        assertContains(failure(noZlibHeader), "invalid zlib data");
    }

    @Test
    void flippedByteInIdatIsCrcError() {
        byte[] bad = VALID.clone();
        bad[33 + 8 + 500] ^= 0x10;
        assertContains(failure(bad), "CRC mismatch in chunk IDAT at offset 33");
    }

    @Test
    void flippedByteInHeaderOrCrcIsCrcError() {
        byte[] bad = VALID.clone();
        bad[17] ^= 1; // width
        assertContains(failure(bad), "CRC mismatch in chunk IHDR");
        byte[] badCrc = VALID.clone();
        badCrc[badCrc.length - 1] ^= 1; // IEND's CRC
        assertContains(failure(badCrc), "CRC mismatch in chunk IEND");
    }

    @Test
    void notAPng() {
        byte[] gif = "GIF89a\u0001\u0000\u0001\u0000".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertContains(failure(gif), "not a PNG file", "47 49 46 38 39 61");
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F'};
        assertContains(failure(jpeg), "not a PNG file");
        // CR-LF conversion by a text-mode transfer is the classic way to damage a PNG signature.
        byte[] mangled = VALID.clone();
        mangled[4] = '\n';
        assertContains(failure(mangled), "not a PNG file");
        assertContains(message(() -> PngDecoder.readSize(gif, NAME)), "not a PNG file");
    }

    @Test
    void multiChannelImagesAreNotLabelImages() {
        for (int colorType : new int[] {2, 4, 6}) {
            int channels = PngTestWriter.channels(colorType);
            byte[] png = PngTestWriter.build(2, 2, colorType, 8, new int[4 * channels], null, 0, false);
            String msg = message(() -> PngDecoder.decodeIndex(png, NAME));
            assertContains(msg, channels + " channels", "single-channel (greyscale or palette) label image is expected");
        }
    }

    @Test
    void oversizeHeaderIsRejectedBeforeAllocating() {
        // 30000x30000 would need a 3.6 GB int[]; no IDAT is present, so only the size check can fire
        // first. The timeout guards against an attempt to allocate or zero that memory.
        byte[] hostile = PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(30000, 30000, 8, 0, 0)),
                PngTestWriter.chunk("IEND", new byte[0]));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            String msg = failure(hostile);
            assertContains(msg, "image size 30000x30000 (900000000 pixels) exceeds the limit of 268435456 pixels");
        });
        // Too many pixels for any Java array, even with the limit raised.
        byte[] huge = PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(70000, 70000, 16, 0, 0)),
                PngTestWriter.chunk("IEND", new byte[0]));
        assertContains(message(() -> PngDecoder.decodeIndex(huge, NAME, Long.MAX_VALUE)), "70000x70000");
        // Size queries still work, as they allocate nothing.
        assertArrayEquals(new int[] {30000, 30000}, assertDoesNotThrowSize(hostile));
    }

    private static int[] assertDoesNotThrowSize(byte[] png) {
        try {
            return PngDecoder.readSize(png, NAME);
        } catch (ImageFormatException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void pixelLimitIsConfigurable() throws Exception {
        byte[] png = PngEncoder.encodeGray8(100, 100, new int[10000]);
        assertContains(message(() -> PngDecoder.decodeIndex(png, NAME, 9999)), "100x100 (10000 pixels)", "9999");
        assertContains(message(() -> PngDecoder.decodeRgb(png, NAME, 9999)), "exceeds the limit of 9999 pixels");
        assertEquals(10000, PngDecoder.decodeIndex(png, NAME, 10000).values().length);
        assertThrows(IllegalArgumentException.class, () -> PngDecoder.decodeIndex(png, NAME, 0));
    }

    @Test
    void invalidFilterType() {
        byte[] raw = PngTestWriter.scanlines(4, 3, 0, 8, new int[12], 0, false);
        raw[5] = 5; // filter byte of the second scanline
        byte[] png = PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(4, 3, 8, 0, 0)),
                PngTestWriter.chunk("IDAT", PngTestWriter.zlib(raw)),
                PngTestWriter.chunk("IEND", new byte[0]));
        assertContains(failure(png), "invalid filter type 5 in scanline 1");

        byte[] rawI = PngTestWriter.scanlines(4, 4, 0, 8, new int[16], 0, true);
        // In a 4x4 image pass 1 is one pixel ([filter, px]) and passes 2 and 3 are empty, so byte 2
        // is the filter byte of pass 4.
        rawI[2] = 9;
        byte[] pngI = PngTestWriter.png(
                PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(4, 4, 8, 0, 1)),
                PngTestWriter.chunk("IDAT", PngTestWriter.zlib(rawI)),
                PngTestWriter.chunk("IEND", new byte[0]));
        assertContains(failure(pngI), "invalid filter type 9 in scanline 0 of Adam7 pass 4");
    }

    static byte[] withIhdr(byte[] ihdrData) {
        return PngTestWriter.png(
                PngTestWriter.chunk("IHDR", ihdrData),
                PngTestWriter.chunk("IDAT", PngTestWriter.zlib(new byte[2])),
                PngTestWriter.chunk("IEND", new byte[0]));
    }

    @Test
    void invalidHeaderFields() {
        assertContains(failure(withIhdr(PngTestWriter.ihdr(1, 1, 3, 0, 0))), "bit depth 3 is not allowed for colour type 0");
        assertContains(failure(withIhdr(PngTestWriter.ihdr(1, 1, 4, 2, 0))), "bit depth 4 is not allowed for colour type 2");
        assertContains(failure(withIhdr(PngTestWriter.ihdr(1, 1, 16, 3, 0))), "bit depth 16 is not allowed for colour type 3");
        assertContains(failure(withIhdr(PngTestWriter.ihdr(1, 1, 8, 5, 0))), "colour type 5");
        assertContains(failure(withIhdr(PngTestWriter.ihdr(0, 1, 8, 0, 0))), "invalid image size 0x1");
        assertContains(failure(withIhdr(PngTestWriter.ihdr(-1, 1, 8, 0, 0))), "invalid image size 4294967295x1");
        assertContains(failure(withIhdr(PngTestWriter.ihdr(1, 1, 8, 0, 2))), "unknown interlace method 2");
        byte[] badCompression = PngTestWriter.ihdr(1, 1, 8, 0, 0);
        badCompression[10] = 1;
        assertContains(failure(withIhdr(badCompression)), "unknown compression method 1");
        byte[] badFilter = PngTestWriter.ihdr(1, 1, 8, 0, 0);
        badFilter[11] = 1;
        assertContains(failure(withIhdr(badFilter)), "unknown filter method 1");
        assertContains(failure(withIhdr(new byte[12])), "IHDR chunk has length 12");
    }

    @Test
    void chunkStructureErrors() {
        byte[] ihdr = PngTestWriter.chunk("IHDR", PngTestWriter.ihdr(2, 1, 8, 3, 0));
        byte[] idat = PngTestWriter.chunk("IDAT", PngTestWriter.zlib(new byte[3]));
        byte[] iend = PngTestWriter.chunk("IEND", new byte[0]);
        byte[] plte = PngTestWriter.chunk("PLTE", PngTestWriter.rgbPalette(0xFF0000));

        assertContains(failure(PngTestWriter.png(ihdr, idat, iend)), "palette image has no PLTE chunk");
        assertContains(failure(PngTestWriter.png(ihdr, plte, iend)), "no IDAT chunk");
        assertContains(failure(PngTestWriter.png(ihdr, idat, plte, iend)), "PLTE chunk after IDAT");
        assertContains(failure(PngTestWriter.png(ihdr, plte, plte, idat, iend)), "second PLTE");
        assertContains(failure(PngTestWriter.png(ihdr, PngTestWriter.chunk("PLTE", new byte[4]), idat, iend)),
                "PLTE chunk has length 4");
        assertContains(failure(PngTestWriter.png(ihdr, plte, ihdr, idat, iend)), "second IHDR");
        assertContains(failure(PngTestWriter.png(ihdr, plte, PngTestWriter.chunk("ZZZZ", new byte[1]), idat, iend)),
                "unknown critical chunk ZZZZ");
        assertContains(failure(PngTestWriter.png(idat, ihdr, plte, iend)), "first chunk is IDAT, expected IHDR");

        byte[] badType = PngTestWriter.chunk("abcd", new byte[0]);
        badType[5] = '1';
        assertContains(failure(PngTestWriter.png(ihdr, plte, badType, idat, iend)), "invalid chunk type 0x61316364");

        byte[] hugeLength = PngTestWriter.chunk("tEXt", new byte[0]);
        PngTestWriter.putInt(hugeLength, 0, 0x80000000);
        assertContains(failure(PngTestWriter.png(ihdr, plte, hugeLength, idat, iend)), "invalid length 2147483648");

        // The palette index image itself is fine once PLTE is present.
        assertArrayEqualsNoThrow(PngTestWriter.png(ihdr, plte, idat, iend));
    }

    private static void assertArrayEqualsNoThrow(byte[] png) {
        try {
            assertArrayEquals(new int[] {0, 0}, PngDecoder.decodeIndex(png, NAME).intValues());
        } catch (ImageFormatException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void missingSourceNameStillGivesAPrefix() {
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> PngDecoder.decodeIndex(new byte[] {1, 2, 3}, null));
        assertTrue(e.getMessage().startsWith(ImageFormatException.UNKNOWN_SOURCE + ": not a PNG"), e.getMessage());
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() {
        // Whatever is damaged, callers only ever see ImageFormatException (or a correct image if
        // the damage hit an ignored byte), never an ArrayIndexOutOfBounds or similar.
        byte[] interlaced = PngTestWriter.build(W, H, 0, 8, VALUES, null, PngTestWriter.FILTER_CYCLE, true, 1000);
        Random rnd = new Random(12);
        for (byte[] base : new byte[][] {VALID, interlaced}) {
            for (int trial = 0; trial < 300; trial++) {
                byte[] bad = base.clone();
                int at = rnd.nextInt(bad.length);
                bad[at] = (byte) rnd.nextInt(256);
                if (trial % 3 == 0) {
                    bad = Arrays.copyOf(bad, rnd.nextInt(bad.length));
                }
                try {
                    IndexImage img = PngDecoder.decodeIndex(bad, NAME);
                    assertArrayEquals(VALUES, img.intValues(), "undetected damage at byte " + at);
                } catch (ImageFormatException e) {
                    assertTrue(e.getMessage().startsWith(NAME + ": "));
                }
            }
        }
    }
}
