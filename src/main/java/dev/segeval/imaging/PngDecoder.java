package dev.segeval.imaging;

import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Pure-Java PNG decoder for segmentation label images.
 *
 * <p>ImageIO is unsuitable for labels: it hands back palette images through a colour model (so
 * class indices turn into colours unless one digs into the raster), and its errors rarely say which
 * file was bad. This decoder returns raw sample values, checks every chunk CRC, and reports any
 * defect as an {@link ImageFormatException} whose message starts with the source name.
 *
 * <p>Decoding is row by row: only two scanlines of filtered bytes are held besides the output
 * array, and no object is allocated per pixel.
 */
public final class PngDecoder {

    /** Default ceiling on width*height; 512 MiB of 16-bit samples is already far beyond any real label map. */
    public static final long DEFAULT_MAX_PIXELS = 1L << 28;

    // The JVM refuses arrays within a few elements of Integer.MAX_VALUE.
    static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    static final int COLOR_GREY = 0;
    static final int COLOR_RGB = 2;
    static final int COLOR_PALETTE = 3;
    static final int COLOR_GREY_ALPHA = 4;
    static final int COLOR_RGBA = 6;

    static final int TYPE_IHDR = 0x49484452;
    static final int TYPE_PLTE = 0x504C5445;
    static final int TYPE_IDAT = 0x49444154;
    static final int TYPE_IEND = 0x49454E44;

    private static final int[] ADAM7_X0 = {0, 4, 0, 2, 0, 1, 0};
    private static final int[] ADAM7_Y0 = {0, 0, 4, 0, 2, 0, 1};
    private static final int[] ADAM7_DX = {8, 8, 4, 4, 2, 2, 1};
    private static final int[] ADAM7_DY = {8, 8, 8, 4, 4, 2, 2};

    /** Fields of the IHDR chunk, already validated. */
    public record Header(int width, int height, int bitDepth, int colorType, boolean interlaced) {

        /** Samples per pixel: 1 for grey and palette, 2 for grey+alpha, 3 for RGB, 4 for RGBA. */
        public int channels() {
            return channelsOf(colorType);
        }

        public boolean palette() {
            return colorType == COLOR_PALETTE;
        }
    }

    private PngDecoder() {
    }

    /**
     * Decodes a greyscale or palette PNG to raw values: grey levels (16-bit values kept as they are)
     * or palette indices, never colours.
     *
     * @throws ImageFormatException if the data is not a valid single-channel PNG
     */
    public static IndexImage decodeIndex(byte[] data, String sourceName) throws ImageFormatException {
        return decodeIndex(data, sourceName, DEFAULT_MAX_PIXELS);
    }

    /** As {@link #decodeIndex(byte[], String)} with an explicit limit on width*height. */
    public static IndexImage decodeIndex(byte[] data, String sourceName, long maxPixels)
            throws ImageFormatException {
        return decodeIndex(data, sourceName, maxPixels, null);
    }

    private static IndexImage decodeIndex(byte[] data, String sourceName, long maxPixels, char[] reuse)
            throws ImageFormatException {
        Header header = readHeader(data, sourceName);
        if (header.channels() != 1) {
            throw new MultiChannelImageException(sourceName, header.channels(), "PNG has " + header.channels()
                    + " channels ("
                    + colorTypeName(header.colorType()) + "); a single-channel (greyscale or palette) "
                    + "label image is expected");
        }
        char[] values = new Decoder(data, sourceName, header, maxPixels).decodeIndex(reuse);
        return new IndexImage(header.width(), header.height(), values, header.bitDepth(), header.palette());
    }

    /**
     * As {@link #decodeIndex(byte[], String)}, writing into {@code reuse} when it has exactly width*height
     * elements. Reusing per-thread buffers avoids allocating tens of megabytes per Cityscapes image, which
     * G1 treats as humongous objects and collects expensively when several threads decode at once.
     */
    public static IndexImage decodeIndexInto(byte[] data, String sourceName, char[] reuse)
            throws ImageFormatException {
        return decodeIndex(data, sourceName, DEFAULT_MAX_PIXELS, reuse);
    }

    /**
     * Decodes any PNG to packed 0xRRGGBB. 16-bit samples keep their high byte, low-depth grey is
     * scaled to 0..255, palette indices are looked up, and alpha (including tRNS) is dropped.
     */
    public static RgbImage decodeRgb(byte[] data, String sourceName) throws ImageFormatException {
        return decodeRgb(data, sourceName, DEFAULT_MAX_PIXELS);
    }

    /** As {@link #decodeRgb(byte[], String)} with an explicit limit on width*height. */
    public static RgbImage decodeRgb(byte[] data, String sourceName, long maxPixels)
            throws ImageFormatException {
        Header header = readHeader(data, sourceName);
        int[] rgb = new Decoder(data, sourceName, header, maxPixels).decodeRgb();
        return new RgbImage(header.width(), header.height(), rgb);
    }

    /** Width and height from IHDR, without looking at the image data. */
    public static int[] readSize(byte[] data, String sourceName) throws ImageFormatException {
        Header header = readHeader(data, sourceName);
        return new int[] {header.width(), header.height()};
    }

    /** Parses and validates the signature and the IHDR chunk only. */
    public static Header readHeader(byte[] data, String sourceName) throws ImageFormatException {
        if (data == null) {
            throw new NullPointerException("data");
        }
        int n = Math.min(data.length, SIGNATURE.length);
        for (int i = 0; i < n; i++) {
            if (data[i] != SIGNATURE[i]) {
                throw new ImageFormatException(sourceName, "not a PNG file (bad signature; file starts with "
                        + hexPrefix(data, 8) + ")");
            }
        }
        if (data.length == 0) {
            throw new ImageFormatException(sourceName, "truncated PNG: the file is empty");
        }
        if (data.length < SIGNATURE.length) {
            throw new ImageFormatException(sourceName, "truncated PNG: file is only " + data.length
                    + " bytes long, shorter than the 8-byte signature");
        }
        // Signature (8) + IHDR length, type, 13 data bytes and CRC.
        if (data.length < 16) {
            throw new ImageFormatException(sourceName, "truncated PNG: file ends after " + data.length
                    + " bytes, inside the IHDR chunk header");
        }
        int length = readInt(data, 8);
        int type = readInt(data, 12);
        if (type != TYPE_IHDR) {
            throw new ImageFormatException(sourceName, "corrupt PNG: first chunk is " + typeName(type)
                    + ", expected IHDR");
        }
        if (length != 13) {
            throw new ImageFormatException(sourceName, "corrupt PNG: IHDR chunk has length "
                    + Integer.toUnsignedString(length) + ", expected 13");
        }
        if (data.length < 33) {
            throw new ImageFormatException(sourceName, "truncated PNG: file ends after " + data.length
                    + " bytes, inside the IHDR chunk");
        }
        checkCrc(data, 8, 13, TYPE_IHDR, sourceName);
        int width = readInt(data, 16);
        int height = readInt(data, 20);
        int bitDepth = data[24] & 0xFF;
        int colorType = data[25] & 0xFF;
        int compression = data[26] & 0xFF;
        int filter = data[27] & 0xFF;
        int interlace = data[28] & 0xFF;
        // Negative as a signed int means above 2^31-1, which PNG forbids as well.
        if (width <= 0 || height <= 0) {
            throw new ImageFormatException(sourceName, "corrupt PNG: invalid image size "
                    + Integer.toUnsignedString(width) + "x" + Integer.toUnsignedString(height) + " in IHDR");
        }
        if (!validDepth(colorType, bitDepth)) {
            throw new ImageFormatException(sourceName, "corrupt PNG: bit depth " + bitDepth
                    + " is not allowed for colour type " + colorType + " (" + colorTypeName(colorType) + ")");
        }
        if (compression != 0) {
            throw new ImageFormatException(sourceName, "corrupt PNG: unknown compression method " + compression);
        }
        if (filter != 0) {
            throw new ImageFormatException(sourceName, "corrupt PNG: unknown filter method " + filter);
        }
        if (interlace > 1) {
            throw new ImageFormatException(sourceName, "corrupt PNG: unknown interlace method " + interlace);
        }
        return new Header(width, height, bitDepth, colorType, interlace == 1);
    }

    /** State of one decode: the located IDAT segments, the palette and the inflater position. */
    private static final class Decoder {
        private final byte[] data;
        private final String source;
        private final Header header;
        private final int width;
        private final int height;
        private final int bitDepth;
        private final int bitsPerPixel;
        private int[] palette;
        private int[] idatOffsets = new int[8];
        private int[] idatLengths = new int[8];
        private int idatCount;

        // Inflate state.
        private Inflater inflater;
        private int nextIdat;
        private long produced;
        private long expected;

        Decoder(byte[] data, String source, Header header, long maxPixels) throws ImageFormatException {
            if (maxPixels <= 0) {
                throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
            }
            this.data = data;
            this.source = source;
            this.header = header;
            this.width = header.width();
            this.height = header.height();
            this.bitDepth = header.bitDepth();
            this.bitsPerPixel = header.channels() * bitDepth;
            // Checked before the chunk walk and before any allocation, so a forged IHDR costs nothing.
            long pixels = (long) width * height;
            long limit = Math.min(maxPixels, MAX_ARRAY_LENGTH);
            if (pixels > limit) {
                throw new ImageFormatException(source, "image size " + width + "x" + height + " (" + pixels
                        + " pixels) exceeds the limit of " + limit + " pixels");
            }
            long rowBytes = ((long) width * bitsPerPixel + 7) >>> 3;
            if (rowBytes + 1 > MAX_ARRAY_LENGTH) {
                throw new ImageFormatException(source, "image width " + width + " gives scanlines of "
                        + rowBytes + " bytes, too long to decode");
            }
        }

        /** Where unfiltered scanlines go: pixels x = 0..n-1 of a row to out[o], out[o + step], ... */
        @FunctionalInterface
        private interface RowSink {
            void emit(byte[] row, int o, int step, int n);
        }

        /** Packed 0xRRGGBB per pixel. */
        int[] decodeRgb() throws ImageFormatException {
            walkChunks();
            int[] lut = lookupTable();
            int[] out = new int[width * height];
            decodeRows((row, o, step, n) -> emitRgb(row, out, o, step, n, lut));
            return out;
        }

        /** Raw samples (grey levels or palette indices) of a single-channel image, into reuse when it fits. */
        char[] decodeIndex(char[] reuse) throws ImageFormatException {
            walkChunks();
            // Every pixel is written below, so a reused buffer needs no clearing.
            char[] out = reuse != null && reuse.length == width * height ? reuse : new char[width * height];
            decodeRows((row, o, step, n) -> emitIndex(row, out, o, step, n));
            return out;
        }

        private void decodeRows(RowSink sink) throws ImageFormatException {
            inflater = new Inflater();
            try {
                if (header.interlaced()) {
                    decodeInterlaced(sink);
                } else {
                    decodeProgressive(sink);
                }
            } finally {
                inflater.end();
            }
        }

        /**
         * Validates every chunk (CRC, length, order) and records where the IDAT data lies, so that
         * truncation and corruption are reported before the output array is allocated.
         */
        private void walkChunks() throws ImageFormatException {
            int pos = 33;
            boolean seenIdat = false;
            while (true) {
                if (pos == data.length) {
                    throw new ImageFormatException(source, "truncated PNG: missing IEND chunk (file ends after "
                            + data.length + " bytes)");
                }
                if (data.length - pos < 8) {
                    throw new ImageFormatException(source, "truncated PNG: file ends after " + data.length
                            + " bytes, inside the chunk header at offset " + pos);
                }
                int length = readInt(data, pos);
                int type = readInt(data, pos + 4);
                if (!validType(type)) {
                    throw new ImageFormatException(source, "corrupt PNG: invalid chunk type "
                            + typeName(type) + " at offset " + pos);
                }
                if (length < 0) {
                    throw new ImageFormatException(source, "corrupt PNG: chunk " + typeName(type) + " at offset "
                            + pos + " has invalid length " + Integer.toUnsignedString(length));
                }
                long afterHeader = (long) data.length - pos - 8;
                if (length + 4L > afterHeader) {
                    throw new ImageFormatException(source, "truncated PNG: chunk " + typeName(type)
                            + " at offset " + pos + " declares " + length + " data bytes but the file ends "
                            + (afterHeader >= length ? "inside its CRC" : "after " + afterHeader + " of them"));
                }
                checkCrc(data, pos, length, type, source);
                switch (type) {
                    case TYPE_IHDR:
                        throw new ImageFormatException(source, "corrupt PNG: second IHDR chunk at offset " + pos);
                    case TYPE_PLTE:
                        readPalette(pos, length, seenIdat);
                        break;
                    case TYPE_IDAT:
                        seenIdat = true;
                        addIdat(pos + 8, length);
                        break;
                    case TYPE_IEND:
                        if (!seenIdat) {
                            throw new ImageFormatException(source, "corrupt PNG: no IDAT chunk before IEND");
                        }
                        if (header.palette() && palette == null) {
                            throw new ImageFormatException(source, "corrupt PNG: palette image has no PLTE chunk");
                        }
                        return;
                    default:
                        // Bit 5 of the first byte clear (upper case) marks a chunk needed to render the
                        // image; guessing past one we do not know could yield wrong labels.
                        if ((type & 0x20000000) == 0) {
                            throw new ImageFormatException(source, "unsupported PNG: unknown critical chunk "
                                    + typeName(type) + " at offset " + pos);
                        }
                        // Ancillary chunks (tRNS, gAMA, text, ...) do not affect sample values.
                        break;
                }
                pos += 12 + length;
            }
        }

        private void readPalette(int pos, int length, boolean seenIdat) throws ImageFormatException {
            if (seenIdat) {
                throw new ImageFormatException(source, "corrupt PNG: PLTE chunk after IDAT at offset " + pos);
            }
            if (palette != null) {
                throw new ImageFormatException(source, "corrupt PNG: second PLTE chunk at offset " + pos);
            }
            if (length == 0 || length % 3 != 0 || length > 256 * 3) {
                throw new ImageFormatException(source, "corrupt PNG: PLTE chunk has length " + length
                        + ", expected a multiple of 3 between 3 and 768");
            }
            int entries = length / 3;
            int[] p = new int[entries];
            for (int i = 0, o = pos + 8; i < entries; i++, o += 3) {
                p[i] = (data[o] & 0xFF) << 16 | (data[o + 1] & 0xFF) << 8 | (data[o + 2] & 0xFF);
            }
            palette = p;
        }

        private void addIdat(int offset, int length) {
            if (idatCount == idatOffsets.length) {
                idatOffsets = Arrays.copyOf(idatOffsets, idatCount * 2);
                idatLengths = Arrays.copyOf(idatLengths, idatCount * 2);
            }
            idatOffsets[idatCount] = offset;
            idatLengths[idatCount] = length;
            idatCount++;
        }

        /** Maps a raw value of at most 8 bits to packed RGB; null when colours are read directly. */
        private int[] lookupTable() {
            if (header.palette()) {
                // Indices beyond the palette map to black (as libpng does) instead of failing; the
                // 256-entry table also makes the per-pixel lookup branch-free.
                return Arrays.copyOf(palette, 256);
            }
            if (header.colorType() == COLOR_GREY && bitDepth <= 8) {
                int max = (1 << bitDepth) - 1;
                int[] lut = new int[max + 1];
                for (int v = 0; v <= max; v++) {
                    lut[v] = (v * 255 / max) * 0x010101;
                }
                return lut;
            }
            return null;
        }

        private static long rowBytes(int pixels, int bitsPerPixel) {
            return ((long) pixels * bitsPerPixel + 7) >>> 3;
        }

        private void decodeProgressive(RowSink sink) throws ImageFormatException {
            int rowBytes = (int) rowBytes(width, bitsPerPixel);
            expected = (long) height * (rowBytes + 1);
            int bpp = Math.max(1, bitsPerPixel >>> 3);
            byte[] cur = new byte[rowBytes + 1];
            byte[] prev = new byte[rowBytes + 1];
            for (int y = 0; y < height; y++) {
                readFully(cur, rowBytes + 1);
                unfilter(cur, prev, rowBytes, bpp, y, -1);
                sink.emit(cur, y * width, 1, width);
                byte[] t = cur;
                cur = prev;
                prev = t;
            }
        }

        private void decodeInterlaced(RowSink sink) throws ImageFormatException {
            expected = 0;
            for (int p = 0; p < 7; p++) {
                int pw = passSize(width, ADAM7_X0[p], ADAM7_DX[p]);
                int ph = passSize(height, ADAM7_Y0[p], ADAM7_DY[p]);
                if (pw > 0 && ph > 0) {
                    expected += (long) ph * (rowBytes(pw, bitsPerPixel) + 1);
                }
            }
            int bpp = Math.max(1, bitsPerPixel >>> 3);
            // The last pass has full-width rows, so these buffers fit every pass.
            int maxRow = (int) rowBytes(width, bitsPerPixel) + 1;
            byte[] cur = new byte[maxRow];
            byte[] prev = new byte[maxRow];
            for (int p = 0; p < 7; p++) {
                int pw = passSize(width, ADAM7_X0[p], ADAM7_DX[p]);
                int ph = passSize(height, ADAM7_Y0[p], ADAM7_DY[p]);
                if (pw == 0 || ph == 0) {
                    continue; // empty passes contribute no bytes at all, not even filter bytes
                }
                int rowBytes = (int) rowBytes(pw, bitsPerPixel);
                Arrays.fill(prev, 0, rowBytes + 1, (byte) 0);
                for (int j = 0; j < ph; j++) {
                    readFully(cur, rowBytes + 1);
                    unfilter(cur, prev, rowBytes, bpp, j, p);
                    int y = ADAM7_Y0[p] + j * ADAM7_DY[p];
                    sink.emit(cur, y * width + ADAM7_X0[p], ADAM7_DX[p], pw);
                    byte[] t = cur;
                    cur = prev;
                    prev = t;
                }
            }
        }

        private static int passSize(int size, int start, int step) {
            return size > start ? (size - start + step - 1) / step : 0;
        }

        /** Fills buf[0..len) with inflated bytes, feeding IDAT segments to the inflater on demand. */
        private void readFully(byte[] buf, int len) throws ImageFormatException {
            int off = 0;
            while (off < len) {
                int n;
                try {
                    n = inflater.inflate(buf, off, len - off);
                } catch (DataFormatException e) {
                    throw new ImageFormatException(source, "corrupt PNG: invalid zlib data in IDAT stream after "
                            + (produced + off) + " of " + expected + " bytes (" + e.getMessage() + ")", e);
                }
                off += n;
                if (n > 0) {
                    continue;
                }
                if (inflater.finished() || (inflater.needsInput() && nextIdat == idatCount)) {
                    throw new ImageFormatException(source, "truncated PNG: IDAT stream ended after "
                            + (produced + off) + " of " + expected + " bytes");
                }
                if (inflater.needsDictionary()) {
                    throw new ImageFormatException(source,
                            "corrupt PNG: IDAT zlib stream asks for a preset dictionary, which PNG forbids");
                }
                if (inflater.needsInput()) {
                    inflater.setInput(data, idatOffsets[nextIdat], idatLengths[nextIdat]);
                    nextIdat++;
                } else {
                    // Cannot happen with a non-empty output window; guards against spinning forever.
                    throw new ImageFormatException(source, "corrupt PNG: IDAT zlib stream made no progress after "
                            + (produced + off) + " of " + expected + " bytes");
                }
            }
            produced += len;
        }

        /** Reverses the scanline filter in place; row[0] is the filter type, pixels start at 1. */
        private void unfilter(byte[] cur, byte[] prev, int rowBytes, int bpp, int row, int pass)
                throws ImageFormatException {
            int end = rowBytes + 1;
            int filter = cur[0] & 0xFF;
            switch (filter) {
                case 0:
                    break;
                case 1:
                    if (bpp == 1) {
                        // Carrying the running value avoids a store-to-load round trip per byte.
                        int a = cur[1];
                        for (int i = 2; i < end; i++) {
                            a += cur[i];
                            cur[i] = (byte) a;
                        }
                        break;
                    }
                    if (bpp == 3) {
                        unSubRgb(cur, end);
                        break;
                    }
                    for (int i = 1 + bpp; i < end; i++) {
                        cur[i] += cur[i - bpp];
                    }
                    break;
                case 2:
                    for (int i = 1; i < end; i++) {
                        cur[i] += prev[i];
                    }
                    break;
                case 3: {
                    if (bpp == 3) {
                        unAverageRgb(cur, prev, end);
                        break;
                    }
                    int lead = Math.min(end, 1 + bpp);
                    for (int i = 1; i < lead; i++) {
                        cur[i] += (prev[i] & 0xFF) >>> 1;
                    }
                    for (int i = 1 + bpp; i < end; i++) {
                        cur[i] += ((cur[i - bpp] & 0xFF) + (prev[i] & 0xFF)) >>> 1;
                    }
                    break;
                }
                case 4: {
                    if (bpp == 3) {
                        unPaethRgb(cur, prev, end);
                        break;
                    }
                    // With no left neighbour Paeth reduces to the byte above.
                    int lead = Math.min(end, 1 + bpp);
                    for (int i = 1; i < lead; i++) {
                        cur[i] += prev[i];
                    }
                    if (bpp == 1) {
                        unpaethSingleByte(cur, prev, end);
                        break;
                    }
                    for (int i = 1 + bpp; i < end; i++) {
                        int a = cur[i - bpp] & 0xFF;
                        int b = prev[i] & 0xFF;
                        int c = prev[i - bpp] & 0xFF;
                        cur[i] += paeth(a, b, c);
                    }
                    break;
                }
                default:
                    throw new ImageFormatException(source, "corrupt PNG: invalid filter type " + filter
                            + " in scanline " + row + (pass >= 0 ? " of Adam7 pass " + (pass + 1) : ""));
            }
        }

        /**
         * Paeth for one byte per pixel, the common case for label maps (encoders pick Paeth for
         * most rows of region-shaped images). Carrying the left and upper-left bytes in locals
         * avoids re-reading just-written bytes from the array on every step.
         */
        private static void unpaethSingleByte(byte[] cur, byte[] prev, int end) {
            if (end <= 2) {
                return;
            }
            int a = cur[1] & 0xFF;
            int c = prev[1] & 0xFF;
            for (int i = 2; i < end; i++) {
                int b = prev[i] & 0xFF;
                a = (cur[i] + paeth(a, b, c)) & 0xFF;
                cur[i] = (byte) a;
                c = b;
            }
        }

        /*
         * Three bytes per pixel (8-bit RGB, the layout of Cityscapes' leftImg8bit photos, whose encoders pick Average
         * and Paeth for most rows): the left pixel's bytes are carried in locals, one per channel, instead of being
         * read back from the row just written, which cuts the loop-carried latency of each channel's chain. A missing
         * left (or upper-left) neighbour is 0, as the PNG specification defines it, so the first pixel needs no case
         * of its own. Row lengths are whole pixels, a multiple of 3.
         */

        private static void unSubRgb(byte[] cur, int end) {
            int r = 0;
            int g = 0;
            int b = 0;
            for (int i = 1; i < end; i += 3) {
                r = (cur[i] + r) & 0xFF;
                g = (cur[i + 1] + g) & 0xFF;
                b = (cur[i + 2] + b) & 0xFF;
                cur[i] = (byte) r;
                cur[i + 1] = (byte) g;
                cur[i + 2] = (byte) b;
            }
        }

        private static void unAverageRgb(byte[] cur, byte[] prev, int end) {
            int r = 0;
            int g = 0;
            int b = 0;
            for (int i = 1; i < end; i += 3) {
                r = (cur[i] + ((r + (prev[i] & 0xFF)) >>> 1)) & 0xFF;
                g = (cur[i + 1] + ((g + (prev[i + 1] & 0xFF)) >>> 1)) & 0xFF;
                b = (cur[i + 2] + ((b + (prev[i + 2] & 0xFF)) >>> 1)) & 0xFF;
                cur[i] = (byte) r;
                cur[i + 1] = (byte) g;
                cur[i + 2] = (byte) b;
            }
        }

        private static void unPaethRgb(byte[] cur, byte[] prev, int end) {
            int r = 0;
            int g = 0;
            int b = 0;
            int upLeftR = 0;
            int upLeftG = 0;
            int upLeftB = 0;
            for (int i = 1; i < end; i += 3) {
                int upR = prev[i] & 0xFF;
                int upG = prev[i + 1] & 0xFF;
                int upB = prev[i + 2] & 0xFF;
                r = (cur[i] + paeth(r, upR, upLeftR)) & 0xFF;
                g = (cur[i + 1] + paeth(g, upG, upLeftG)) & 0xFF;
                b = (cur[i + 2] + paeth(b, upB, upLeftB)) & 0xFF;
                cur[i] = (byte) r;
                cur[i + 1] = (byte) g;
                cur[i + 2] = (byte) b;
                upLeftR = upR;
                upLeftG = upG;
                upLeftB = upB;
            }
        }

        /** The Paeth predictor of left a, above b and upper-left c (all 0..255). */
        private static int paeth(int a, int b, int c) {
            // Inside uniform regions two of the three neighbours agree, and then the answer is known
            // without the distance arithmetic: b == c gives a, a == c gives b. This shortens the
            // loop-carried dependency on a, which dominates decoding time for label maps.
            if (b == c) {
                return a;
            }
            if (a == c) {
                return b;
            }
            int pa = Math.abs(b - c);
            int pb = Math.abs(a - c);
            int pc = Math.abs(a + b - c - c);
            return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
        }

        /**
         * Converts one unfiltered scanline of n single-channel pixels to raw samples written at out[o],
         * out[o+step], ... (step is 1 except inside Adam7 passes).
         */
        private void emitIndex(byte[] row, char[] out, int o, int step, int n) {
            if (bitDepth == 8) {
                if (step == 1) {
                    // Kept in the simplest indexed form so that C2 can vectorise it.
                    for (int x = 0; x < n; x++) {
                        out[o + x] = (char) (row[x + 1] & 0xFF);
                    }
                } else {
                    for (int x = 0, i = 1; x < n; x++, i++, o += step) {
                        out[o] = (char) (row[i] & 0xFF);
                    }
                }
            } else if (bitDepth == 16) {
                for (int x = 0, i = 1; x < n; x++, i += 2, o += step) {
                    out[o] = (char) ((row[i] & 0xFF) << 8 | (row[i + 1] & 0xFF));
                }
            } else {
                for (int x = 0; x < n; x++, o += step) {
                    out[o] = (char) lowDepthSample(row, x);
                }
            }
        }

        /** Sample x of an unfiltered scanline of 1-, 2- or 4-bit samples (packed from the high bits down). */
        private int lowDepthSample(byte[] row, int x) {
            // log2 of samples per byte: 3 for 1-bit, 2 for 2-bit, 1 for 4-bit.
            int perByteLog = bitDepth == 1 ? 3 : bitDepth == 2 ? 2 : 1;
            int b = row[1 + (x >>> perByteLog)] & 0xFF;
            int shift = 8 - bitDepth - (x & ((1 << perByteLog) - 1)) * bitDepth;
            return (b >>> shift) & ((1 << bitDepth) - 1);
        }

        /** As {@link #emitIndex} for packed RGB: samples of at most 8 bits go through lut when there is one. */
        private void emitRgb(byte[] row, int[] out, int o, int step, int n, int[] lut) {
            if (lut != null) {
                if (bitDepth == 8) {
                    for (int x = 0, i = 1; x < n; x++, i++, o += step) {
                        out[o] = lut[row[i] & 0xFF];
                    }
                } else {
                    for (int x = 0; x < n; x++, o += step) {
                        out[o] = lut[lowDepthSample(row, x)];
                    }
                }
                return;
            }
            // Direct colour: grey wider than 8 bits, grey+alpha, RGB, RGBA. For 16-bit samples the
            // first (big-endian) byte is the high byte, so the same offsets serve both depths.
            int sampleBytes = bitDepth >>> 3;
            int pixelBytes = header.channels() * sampleBytes;
            int colorType = header.colorType();
            if (colorType == COLOR_GREY || colorType == COLOR_GREY_ALPHA) {
                for (int x = 0, i = 1; x < n; x++, i += pixelBytes, o += step) {
                    out[o] = (row[i] & 0xFF) * 0x010101;
                }
            } else {
                int g = sampleBytes;
                int b = 2 * sampleBytes;
                for (int x = 0, i = 1; x < n; x++, i += pixelBytes, o += step) {
                    out[o] = (row[i] & 0xFF) << 16 | (row[i + g] & 0xFF) << 8 | (row[i + b] & 0xFF);
                }
            }
        }
    }

    static int channelsOf(int colorType) {
        switch (colorType) {
            case COLOR_RGB:
                return 3;
            case COLOR_GREY_ALPHA:
                return 2;
            case COLOR_RGBA:
                return 4;
            default:
                return 1;
        }
    }

    private static boolean validDepth(int colorType, int bitDepth) {
        switch (colorType) {
            case COLOR_GREY:
                return bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
            case COLOR_PALETTE:
                return bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
            case COLOR_RGB:
            case COLOR_GREY_ALPHA:
            case COLOR_RGBA:
                return bitDepth == 8 || bitDepth == 16;
            default:
                return false;
        }
    }

    static String colorTypeName(int colorType) {
        switch (colorType) {
            case COLOR_GREY:
                return "greyscale";
            case COLOR_RGB:
                return "RGB";
            case COLOR_PALETTE:
                return "palette";
            case COLOR_GREY_ALPHA:
                return "greyscale+alpha";
            case COLOR_RGBA:
                return "RGBA";
            default:
                return "unknown";
        }
    }

    private static void checkCrc(byte[] data, int chunkStart, int length, int type, String source)
            throws ImageFormatException {
        CRC32 crc = new CRC32();
        crc.update(data, chunkStart + 4, length + 4);
        long stored = readInt(data, chunkStart + 8 + length) & 0xFFFFFFFFL;
        long computed = crc.getValue();
        if (stored != computed) {
            throw new ImageFormatException(source, String.format(
                    "corrupt PNG: CRC mismatch in chunk %s at offset %d (stored %08x, computed %08x)",
                    typeName(type), chunkStart, stored, computed));
        }
    }

    private static boolean validType(int type) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = (type >>> shift) & 0xFF;
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                return false;
            }
        }
        return true;
    }

    /** The chunk type as text when printable, hex otherwise (corrupt types are often binary). */
    static String typeName(int type) {
        if (validType(type)) {
            return new String(new char[] {(char) (type >>> 24), (char) ((type >>> 16) & 0xFF),
                (char) ((type >>> 8) & 0xFF), (char) (type & 0xFF)});
        }
        return String.format("0x%08x", type);
    }

    static String hexPrefix(byte[] data, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(max, data.length); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", data[i] & 0xFF));
        }
        return sb.toString();
    }

    static int readInt(byte[] data, int pos) {
        return (data[pos] & 0xFF) << 24 | (data[pos + 1] & 0xFF) << 16 | (data[pos + 2] & 0xFF) << 8
                | (data[pos + 3] & 0xFF);
    }
}
