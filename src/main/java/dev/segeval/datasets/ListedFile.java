package dev.segeval.datasets;

/**
 * One file found by {@link HadoopPaths#listFilesRecursive}: its path spelled as Hadoop spells it
 * ({@code new Path(parent, name).toString()}), its length and modification time. A plain record rather than
 * Hadoop's FileStatus: building a Hadoop Path per file (URI parsing and normalisation) was half of the driver's
 * listing time at 100,000 images.
 *
 * @param path              Hadoop URI of the file
 * @param length            bytes; -1 when the listing did not ask (a names-only local walk)
 * @param modificationTime  milliseconds since the epoch; -1 when the listing did not ask
 */
public record ListedFile(String path, long length, long modificationTime) {

  /** The last path element, as Hadoop's {@code Path.getName()}. */
  public String name() {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The name of the folder holding the file, as {@code Path.getParent().getName()}; "" at the root. */
  public String parentName() {
    int slash = path.lastIndexOf('/');
    int before = slash <= 0 ? -1 : path.lastIndexOf('/', slash - 1);
    return before < 0 ? "" : path.substring(before + 1, slash);
  }
}
