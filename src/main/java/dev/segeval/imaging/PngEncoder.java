package dev.segeval.imaging;

import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Pure-Java PNG encoder for label maps and colour images, non-interlaced.
 *
 * <p>Values are validated instead of being truncated: a label 300 written as 8-bit would silently
 * become 44, which is exactly the kind of error an evaluation tool must not introduce.
 */
public final class PngEncoder {

    /** zlib level 6: close to the best size for label maps at a fraction of level 9's time. */
    public static final int COMPRESSION_LEVEL = 6;

    // Small enough to keep the output buffer growth smooth, large enough that chunk overhead is noise.
    static final int IDAT_CHUNK_SIZE = 1 << 16;

    private PngEncoder() {
    }

    /** Fills row[0..rowBytes) with the raw (unfiltered) bytes of scanline y. */
    @FunctionalInterface
    private interface RowWriter {
        void write(int y, byte[] row);
    }

    /** 8-bit greyscale; every value must be in 0..255. */
    public static byte[] encodeGray8(int width, int height, int[] values) {
        checkSize(width, height, values, "values");
        return encode(width, height, 8, PngDecoder.COLOR_GREY, null, width, 1, (y, row) -> {
            int base = y * width;
            for (int x = 0; x < width; x++) {
                int v = values[base + x];
                if ((v & ~0xFF) != 0) {
                    throw outOfRange("value", v, x, y, 255);
                }
                row[x] = (byte) v;
            }
        });
    }

    /** 16-bit greyscale; every value must be in 0..65535 and is stored exactly. */
    public static byte[] encodeGray16(int width, int height, int[] values) {
        checkSize(width, height, values, "values");
        return encode(width, height, 16, PngDecoder.COLOR_GREY, null, rowBytes(width, 2), 2, (y, row) -> {
            int base = y * width;
            for (int x = 0, i = 0; x < width; x++, i += 2) {
                int v = values[base + x];
                if ((v & ~0xFFFF) != 0) {
                    throw outOfRange("value", v, x, y, 65535);
                }
                row[i] = (byte) (v >>> 8);
                row[i + 1] = (byte) v;
            }
        });
    }

    /**
     * 8-bit palette image. Colours come from packed 0xRRGGBB (the top byte is ignored so that ARGB
     * values from {@code BufferedImage.getRGB} can be passed as they are).
     */
    public static byte[] encodePalette(int width, int height, int[] indices, int[] paletteRgb) {
        checkSize(width, height, indices, "indices");
        Objects.requireNonNull(paletteRgb, "paletteRgb");
        int entries = paletteRgb.length;
        if (entries < 1 || entries > 256) {
            throw new IllegalArgumentException("palette must have 1..256 entries, got " + entries);
        }
        byte[] plte = new byte[entries * 3];
        for (int i = 0; i < entries; i++) {
            int c = paletteRgb[i];
            plte[3 * i] = (byte) (c >>> 16);
            plte[3 * i + 1] = (byte) (c >>> 8);
            plte[3 * i + 2] = (byte) c;
        }
        return encode(width, height, 8, PngDecoder.COLOR_PALETTE, plte, width, 1, (y, row) -> {
            int base = y * width;
            for (int x = 0; x < width; x++) {
                int v = indices[base + x];
                if (v < 0 || v >= entries) {
                    throw outOfRange("index", v, x, y, entries - 1);
                }
                row[x] = (byte) v;
            }
        });
    }

    /** 8-bit RGB from packed 0xRRGGBB; the top byte (alpha from getRGB) is ignored. */
    public static byte[] encodeRgb(int width, int height, int[] rgb) {
        checkSize(width, height, rgb, "rgb");
        return encode(width, height, 8, PngDecoder.COLOR_RGB, null, rowBytes(width, 3), 3, (y, row) -> {
            int base = y * width;
            for (int x = 0, i = 0; x < width; x++, i += 3) {
                int c = rgb[base + x];
                row[i] = (byte) (c >>> 16);
                row[i + 1] = (byte) (c >>> 8);
                row[i + 2] = (byte) c;
            }
        });
    }

    private static void checkSize(int width, int height, int[] values, String what) {
        Objects.requireNonNull(values, what);
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("PNG needs a positive size, got " + width + "x" + height);
        }
        if ((long) width * height != values.length) {
            throw new IllegalArgumentException(what + " has " + values.length + " entries but the image is "
                    + width + "x" + height);
        }
    }

    private static int rowBytes(int width, int bytesPerPixel) {
        long n = (long) width * bytesPerPixel;
        if (n + 1 > PngDecoder.MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("image width " + width + " is too large to encode");
        }
        return (int) n;
    }

    private static IllegalArgumentException outOfRange(String what, int v, int x, int y, int max) {
        return new IllegalArgumentException(what + " " + v + " at (" + x + "," + y + ") is outside 0.." + max);
    }

    private static byte[] encode(int width, int height, int bitDepth, int colorType, byte[] plte,
                                 int rowBytes, int bpp, RowWriter writer) {
        // Label maps usually shrink well below a tenth of their raw size; the sink grows if not.
        ByteSink out = new ByteSink((int) Math.min(1L << 24, 1024L + (long) rowBytes * height / 8));
        out.write(PngDecoder.SIGNATURE, 0, PngDecoder.SIGNATURE.length);
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, width);
        putInt(ihdr, 4, height);
        ihdr[8] = (byte) bitDepth;
        ihdr[9] = (byte) colorType;
        // compression, filter and interlace methods stay 0
        out.chunk(PngDecoder.TYPE_IHDR, ihdr, 0, ihdr.length);
        if (plte != null) {
            out.chunk(PngDecoder.TYPE_PLTE, plte, 0, plte.length);
        }

        Deflater deflater = new Deflater(COMPRESSION_LEVEL);
        try {
            IdatWriter idat = new IdatWriter(out, deflater);
            RowFilter filter = new RowFilter(rowBytes, bpp);
            byte[] cur = new byte[rowBytes];
            byte[] prev = new byte[rowBytes];
            for (int y = 0; y < height; y++) {
                writer.write(y, cur);
                byte[] filtered = filter.apply(cur, prev);
                idat.write(filtered, rowBytes + 1);
                byte[] t = prev;
                prev = cur;
                cur = t;
            }
            idat.finish();
        } finally {
            deflater.end();
        }
        out.chunk(PngDecoder.TYPE_IEND, new byte[0], 0, 0);
        return out.toByteArray();
    }

    /**
     * Chooses a filter per row with the usual heuristic: the filter whose output has the smallest
     * sum of absolute values (bytes read as signed), which favours runs of small residuals that
     * deflate compresses well.
     */
    private static final class RowFilter {
        private final int rowBytes;
        private final int bpp;
        private byte[] best;
        private byte[] trial;

        RowFilter(int rowBytes, int bpp) {
            this.rowBytes = rowBytes;
            this.bpp = bpp;
            this.best = new byte[rowBytes + 1];
            this.trial = new byte[rowBytes + 1];
        }

        /** Returns a buffer holding the filter byte and rowBytes filtered bytes; valid until the next call. */
        byte[] apply(byte[] cur, byte[] prev) {
            long bestCost = filter(0, cur, prev, best, Long.MAX_VALUE);
            for (int type = 1; type <= 4; type++) {
                long cost = filter(type, cur, prev, trial, bestCost);
                if (cost < bestCost) {
                    bestCost = cost;
                    byte[] t = best;
                    best = trial;
                    trial = t;
                }
            }
            return best;
        }

        /** Writes the filtered row to dst; stops early (returning a cost >= limit) once it cannot win. */
        private long filter(int type, byte[] cur, byte[] prev, byte[] dst, long limit) {
            dst[0] = (byte) type;
            long cost = 0;
            int lead = Math.min(bpp, rowBytes);
            switch (type) {
                case 0:
                    for (int i = 0; i < rowBytes; i++) {
                        byte v = cur[i];
                        dst[i + 1] = v;
                        cost += Math.abs(v);
                    }
                    return cost;
                case 1:
                    for (int i = 0; i < lead; i++) {
                        byte v = cur[i];
                        dst[i + 1] = v;
                        cost += Math.abs(v);
                    }
                    for (int i = bpp; i < rowBytes; i++) {
                        byte v = (byte) (cur[i] - cur[i - bpp]);
                        dst[i + 1] = v;
                        cost += Math.abs(v);
                        if (cost >= limit) {
                            return cost;
                        }
                    }
                    return cost;
                case 2:
                    for (int i = 0; i < rowBytes; i++) {
                        byte v = (byte) (cur[i] - prev[i]);
                        dst[i + 1] = v;
                        cost += Math.abs(v);
                        if (cost >= limit) {
                            return cost;
                        }
                    }
                    return cost;
                case 3:
                    for (int i = 0; i < lead; i++) {
                        byte v = (byte) (cur[i] - ((prev[i] & 0xFF) >>> 1));
                        dst[i + 1] = v;
                        cost += Math.abs(v);
                    }
                    for (int i = bpp; i < rowBytes; i++) {
                        byte v = (byte) (cur[i] - (((cur[i - bpp] & 0xFF) + (prev[i] & 0xFF)) >>> 1));
                        dst[i + 1] = v;
                        cost += Math.abs(v);
                        if (cost >= limit) {
                            return cost;
                        }
                    }
                    return cost;
                case 4:
                    for (int i = 0; i < lead; i++) {
                        byte v = (byte) (cur[i] - prev[i]);
                        dst[i + 1] = v;
                        cost += Math.abs(v);
                    }
                    for (int i = bpp; i < rowBytes; i++) {
                        int a = cur[i - bpp] & 0xFF;
                        int b = prev[i] & 0xFF;
                        int c = prev[i - bpp] & 0xFF;
                        int pa = Math.abs(b - c);
                        int pb = Math.abs(a - c);
                        int pc = Math.abs(a + b - c - c);
                        int pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
                        byte v = (byte) (cur[i] - pred);
                        dst[i + 1] = v;
                        cost += Math.abs(v);
                        if (cost >= limit) {
                            return cost;
                        }
                    }
                    return cost;
                default:
                    throw new IllegalArgumentException("filter type " + type);
            }
        }
    }

    /** Streams deflater output straight into IDAT chunks of at most IDAT_CHUNK_SIZE bytes. */
    private static final class IdatWriter {
        private final ByteSink out;
        private final Deflater deflater;
        private final byte[] buf = new byte[IDAT_CHUNK_SIZE];
        private int fill;

        IdatWriter(ByteSink out, Deflater deflater) {
            this.out = out;
            this.deflater = deflater;
        }

        void write(byte[] data, int len) {
            // Deflater keeps a reference to the input, so it must be fully consumed before the
            // caller reuses the row buffer.
            deflater.setInput(data, 0, len);
            while (!deflater.needsInput()) {
                drain();
            }
        }

        void finish() {
            deflater.finish();
            while (!deflater.finished()) {
                drain();
            }
            if (fill > 0) {
                flush();
            }
        }

        private void drain() {
            fill += deflater.deflate(buf, fill, buf.length - fill);
            if (fill == buf.length) {
                flush();
            }
        }

        private void flush() {
            out.chunk(PngDecoder.TYPE_IDAT, buf, 0, fill);
            fill = 0;
        }
    }

    /** Growable byte buffer that also knows how to frame a PNG chunk. */
    private static final class ByteSink {
        private byte[] buf;
        private int size;
        private final CRC32 crc = new CRC32();
        private final byte[] word = new byte[4];

        ByteSink(int capacity) {
            buf = new byte[capacity];
        }

        void write(byte[] data, int off, int len) {
            ensure(len);
            System.arraycopy(data, off, buf, size, len);
            size += len;
        }

        void writeInt(int v) {
            ensure(4);
            putInt(buf, size, v);
            size += 4;
        }

        void chunk(int type, byte[] data, int off, int len) {
            writeInt(len);
            writeInt(type);
            write(data, off, len);
            crc.reset();
            putInt(word, 0, type);
            crc.update(word, 0, 4);
            crc.update(data, off, len);
            writeInt((int) crc.getValue());
        }

        private void ensure(int extra) {
            long needed = (long) size + extra;
            if (needed > buf.length) {
                if (needed > PngDecoder.MAX_ARRAY_LENGTH) {
                    throw new IllegalStateException("encoded PNG would exceed the maximum array size");
                }
                long grown = Math.max(needed, Math.min(PngDecoder.MAX_ARRAY_LENGTH, (long) buf.length * 2));
                buf = Arrays.copyOf(buf, (int) grown);
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }
    }

    private static void putInt(byte[] b, int pos, int v) {
        b[pos] = (byte) (v >>> 24);
        b[pos + 1] = (byte) (v >>> 16);
        b[pos + 2] = (byte) (v >>> 8);
        b[pos + 3] = (byte) v;
    }
}
