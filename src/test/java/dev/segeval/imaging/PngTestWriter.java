package dev.segeval.imaging;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A deliberately simple, separate PNG writer for tests. It shares no code with PngEncoder so that a
 * bug in one cannot hide the same bug in the decoder, and it can produce what PngEncoder never
 * does: a forced filter type, Adam7 interlacing, low bit depths, alpha, 16-bit colour, and
 * arbitrary chunk layouts for corrupt-file tests.
 */
final class PngTestWriter {

    /** Pseudo filter choice: row r uses filter r % 5, so one image exercises all five. */
    static final int FILTER_CYCLE = -1;

    private static final int[][] ADAM7 = {
        {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2},
    };

    private PngTestWriter() {
    }

    static int channels(int colorType) {
        switch (colorType) {
            case 2: return 3;
            case 4: return 2;
            case 6: return 4;
            default: return 1;
        }
    }

    /**
     * Builds a complete PNG.
     *
     * @param samples   width*height*channels sample values, pixel-interleaved, row-major
     * @param plteRgb   PLTE chunk contents (3 bytes per entry) or null
     * @param filter    0..4, or FILTER_CYCLE
     * @param idatChunk maximum IDAT chunk size, so tests can split the stream into many chunks
     */
    static byte[] build(int width, int height, int colorType, int bitDepth, int[] samples, byte[] plteRgb,
                        int filter, boolean interlace, int idatChunk) {
        byte[] raw = scanlines(width, height, colorType, bitDepth, samples, filter, interlace);
        byte[] z = zlib(raw);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PngDecoder.SIGNATURE);
        out.writeBytes(chunk("IHDR", ihdr(width, height, bitDepth, colorType, interlace ? 1 : 0)));
        if (plteRgb != null) {
            out.writeBytes(chunk("PLTE", plteRgb));
        }
        for (int off = 0; off < z.length; off += idatChunk) {
            int len = Math.min(idatChunk, z.length - off);
            byte[] part = new byte[len];
            System.arraycopy(z, off, part, 0, len);
            out.writeBytes(chunk("IDAT", part));
        }
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    static byte[] build(int width, int height, int colorType, int bitDepth, int[] samples, byte[] plteRgb,
                        int filter, boolean interlace) {
        return build(width, height, colorType, bitDepth, samples, plteRgb, filter, interlace, 1 << 20);
    }

    /** The decompressed IDAT stream: filtered scanlines, per Adam7 pass if interlaced. */
    static byte[] scanlines(int width, int height, int colorType, int bitDepth, int[] samples, int filter,
                            boolean interlace) {
        int ch = channels(colorType);
        if (samples.length != width * height * ch) {
            throw new IllegalArgumentException("expected " + width * height * ch + " samples");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int[][] passes = interlace ? ADAM7 : new int[][] {{0, 0, 1, 1}};
        for (int[] p : passes) {
            int pw = width > p[0] ? (width - p[0] + p[2] - 1) / p[2] : 0;
            int ph = height > p[1] ? (height - p[1] + p[3] - 1) / p[3] : 0;
            if (pw == 0 || ph == 0) {
                continue;
            }
            int rowBytes = (pw * ch * bitDepth + 7) / 8;
            int bpp = Math.max(1, ch * bitDepth / 8);
            byte[] prev = new byte[rowBytes];
            for (int j = 0; j < ph; j++) {
                int y = p[1] + j * p[3];
                byte[] row = new byte[rowBytes];
                int bit = 0;
                for (int i = 0; i < pw; i++) {
                    int x = p[0] + i * p[2];
                    for (int c = 0; c < ch; c++) {
                        int v = samples[(y * width + x) * ch + c];
                        if (v < 0 || v >= (1 << bitDepth)) {
                            throw new IllegalArgumentException("sample " + v + " does not fit " + bitDepth + " bits");
                        }
                        bit = putBits(row, bit, v, bitDepth);
                    }
                }
                int type = filter == FILTER_CYCLE ? j % 5 : filter;
                out.writeBytes(filterRow(type, row, prev, bpp));
                prev = row;
            }
        }
        return out.toByteArray();
    }

    private static int putBits(byte[] row, int bit, int v, int bits) {
        for (int b = bits - 1; b >= 0; b--, bit++) {
            if (((v >>> b) & 1) != 0) {
                row[bit >>> 3] |= (byte) (0x80 >>> (bit & 7));
            }
        }
        return bit;
    }

    /** Straight from the PNG specification, using ints throughout and no shortcuts. */
    static byte[] filterRow(int type, byte[] cur, byte[] prev, int bpp) {
        byte[] out = new byte[cur.length + 1];
        out[0] = (byte) type;
        for (int i = 0; i < cur.length; i++) {
            int x = cur[i] & 255;
            int a = i >= bpp ? cur[i - bpp] & 255 : 0;
            int b = prev[i] & 255;
            int c = i >= bpp ? prev[i - bpp] & 255 : 0;
            int pred;
            switch (type) {
                case 0: pred = 0; break;
                case 1: pred = a; break;
                case 2: pred = b; break;
                case 3: pred = (a + b) / 2; break;
                case 4: {
                    int p = a + b - c;
                    int pa = Math.abs(p - a);
                    int pb = Math.abs(p - b);
                    int pc = Math.abs(p - c);
                    pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                    break;
                }
                default: throw new IllegalArgumentException("filter " + type);
            }
            out[i + 1] = (byte) (x - pred);
        }
        return out;
    }

    static byte[] zlib(byte[] raw) {
        Deflater d = new Deflater(9);
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    static byte[] ihdr(int width, int height, int bitDepth, int colorType, int interlace) {
        byte[] h = new byte[13];
        putInt(h, 0, width);
        putInt(h, 4, height);
        h[8] = (byte) bitDepth;
        h[9] = (byte) colorType;
        h[12] = (byte) interlace;
        return h;
    }

    /** A framed chunk: length, type, data, CRC over type and data. */
    static byte[] chunk(String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[12 + data.length];
        putInt(out, 0, data.length);
        System.arraycopy(t, 0, out, 4, 4);
        System.arraycopy(data, 0, out, 8, data.length);
        CRC32 crc = new CRC32();
        crc.update(out, 4, 4 + data.length);
        putInt(out, 8 + data.length, (int) crc.getValue());
        return out;
    }

    /** Signature followed by the given chunks. */
    static byte[] png(byte[]... chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PngDecoder.SIGNATURE);
        for (byte[] c : chunks) {
            out.writeBytes(c);
        }
        return out.toByteArray();
    }

    static byte[] rgbPalette(int... rgb) {
        byte[] p = new byte[rgb.length * 3];
        for (int i = 0; i < rgb.length; i++) {
            p[3 * i] = (byte) (rgb[i] >>> 16);
            p[3 * i + 1] = (byte) (rgb[i] >>> 8);
            p[3 * i + 2] = (byte) rgb[i];
        }
        return p;
    }

    /** The PASCAL VOC colour map: index bits spread over the high bits of R, G and B. */
    static int[] vocPalette(int n) {
        int[] pal = new int[n];
        for (int i = 0; i < n; i++) {
            int r = 0;
            int g = 0;
            int b = 0;
            int c = i;
            for (int j = 0; j < 8; j++) {
                r |= (c & 1) << (7 - j);
                g |= ((c >>> 1) & 1) << (7 - j);
                b |= ((c >>> 2) & 1) << (7 - j);
                c >>>= 3;
            }
            pal[i] = r << 16 | g << 8 | b;
        }
        return pal;
    }

    static void putInt(byte[] b, int pos, int v) {
        b[pos] = (byte) (v >>> 24);
        b[pos + 1] = (byte) (v >>> 16);
        b[pos + 2] = (byte) (v >>> 8);
        b[pos + 3] = (byte) v;
    }
}
