package dev.segeval.imaging;

import java.io.IOException;

/**
 * An image file could not be decoded. The message always starts with the source name so that a
 * failure deep inside a batch evaluation points straight at the offending file.
 */
public class ImageFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Used when the caller has no name for the data; keeps the "name: detail" shape intact. */
    static final String UNKNOWN_SOURCE = "<unnamed image>";

    private final String sourceName;

    public ImageFormatException(String sourceName, String detail) {
        super(displayName(sourceName) + ": " + detail);
        this.sourceName = displayName(sourceName);
    }

    public ImageFormatException(String sourceName, String detail, Throwable cause) {
        super(displayName(sourceName) + ": " + detail, cause);
        this.sourceName = displayName(sourceName);
    }

    /** The file (or other source) the data came from, as given by the caller. */
    public String sourceName() {
        return sourceName;
    }

    static String displayName(String sourceName) {
        return sourceName == null || sourceName.isEmpty() ? UNKNOWN_SOURCE : sourceName;
    }
}
