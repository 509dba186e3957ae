package dev.segeval.datasets;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/** Small helpers over Hadoop's FileSystem so that file://, hdfs:// and s3a:// roots all work the same. */
public final class HadoopPaths {
  private HadoopPaths() {
  }

  /** Joins a root URI and relative parts with '/', without touching the scheme. */
  public static String join(String root, String... parts) {
    StringBuilder b = new StringBuilder(root);
    for (String p : parts) {
      if (b.length() > 0 && b.charAt(b.length() - 1) != '/') {
        b.append('/');
      }
      b.append(p);
    }
    return b.toString();
  }

  /**
   * Turns a plain local path into an absolute file: URI as Hadoop writes them (file:/dir/name, not percent-encoded:
   * Hadoop's Path takes "%20" literally, so /data root must stay "file:/data root"); leaves URIs with a scheme
   * untouched.
   */
  public static String qualify(String pathOrUri) {
    if (pathOrUri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      return pathOrUri;
    }
    return new Path(new java.io.File(pathOrUri).getAbsoluteFile().toURI()).toString().replaceAll("/$", "");
  }

  public static boolean isDirectory(String uri, Configuration conf) throws IOException {
    Path p = new Path(uri);
    FileSystem fs = p.getFileSystem(conf);
    try {
      return fs.getFileStatus(p).isDirectory();
    } catch (FileNotFoundException e) {
      return false;
    }
  }

  public static boolean exists(String uri, Configuration conf) throws IOException {
    Path p = new Path(uri);
    return p.getFileSystem(conf).exists(p);
  }

  /**
   * All files under a directory, recursively; empty if the directory does not exist. Each status carries the
   * path, length and modification time (block locations, owner and permissions are not filled in).
   */
  public static List<ListedFile> listFilesRecursive(String dirUri, Configuration conf) throws IOException {
    return listFilesRecursive(dirUri, conf, true);
  }

  /**
   * All files under a directory, recursively, as {@link #listFilesRecursive(String, Configuration)}; without
   * {@code withStatus}, a local walk asks the file system only about entries that may be folders, and the files'
   * lengths and modification times are unknown (-1).
   *
   * <p>An entry named like a data file ({@link #FILE_EXTENSIONS}: {@code .png}, {@code .json}, ...) is then taken
   * for a file without a {@code stat} call. A listing of labels needs names alone, and the {@code stat} per file was
   * nine tenths of walking 200,000 local files (0.9-1.2 s against 0.1 s for the names). A folder named like a file
   * is not entered, and a link or special file named like one is listed as a file and fails, naming it, when it is
   * read: the globs of the official scripts ({@code gtFine/val/*}{@code /*_gtFine_labelIds.png}) take such names
   * the same way. Object stores list whole prefixes with their statuses either way.
   */
  public static List<ListedFile> listFilesRecursive(String dirUri, Configuration conf, boolean withStatus)
      throws IOException {
    Path dir = new Path(dirUri);
    FileSystem fs = dir.getFileSystem(conf);
    List<ListedFile> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    if (fs instanceof org.apache.hadoop.fs.LocalFileSystem || fs instanceof org.apache.hadoop.fs.RawLocalFileSystem) {
      java.io.File local = fs instanceof org.apache.hadoop.fs.LocalFileSystem l ? l.pathToFile(dir)
          : ((org.apache.hadoop.fs.RawLocalFileSystem) fs).pathToFile(dir);
      return listLocal(local.toPath(), fs.makeQualified(dir), withStatus);
    }
    // Object stores (s3a) list a whole prefix in pages, without a call per directory or per file. The pages of one
    // prefix come one after the other, each a round trip, so the folders of the first level (Cityscapes' cities)
    // are listed side by side: one request more, the time of the longest folder instead of the sum.
    List<Path> folders = new ArrayList<>();
    for (FileStatus f : fs.listStatus(dir)) {
      if (f.isDirectory()) {
        folders.add(f.getPath());
      } else {
        out.add(new ListedFile(f.getPath().toString(), f.getLen(), f.getModificationTime()));
      }
    }
    if (folders.size() <= 1) {
      for (Path folder : folders) {
        listPrefix(fs, folder, out);
      }
      return out;
    }
    folders.sort(null);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
        Math.min(PARALLEL_PREFIX_LISTINGS, folders.size()), r -> {
          Thread t = new Thread(r, "segeval-list-prefix");
          t.setDaemon(true);
          return t;
        });
    try {
      java.util.concurrent.CompletionService<List<ListedFile>> done =
          new java.util.concurrent.ExecutorCompletionService<>(pool);
      List<java.util.concurrent.Future<List<ListedFile>>> listings = new ArrayList<>();
      for (Path folder : folders) {
        listings.add(done.submit(() -> {
          List<ListedFile> files = new ArrayList<>();
          listPrefix(fs, folder, files);
          return files;
        }));
      }
      // Checked as they finish, so that a folder that fails stops the others at once; added in folder order.
      for (int i = 0; i < folders.size(); i++) {
        try {
          BackgroundResults.get(done.take(), "listing " + redact(dirUri));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while listing " + redact(dirUri));
        }
      }
      for (java.util.concurrent.Future<List<ListedFile>> listing : listings) {
        out.addAll(BackgroundResults.get(listing, "listing " + redact(dirUri)));
      }
    } finally {
      pool.shutdownNow(); // stops the other folders' listings when one failed or the caller was interrupted
    }
    return out;
  }

  /** Folders of an object-store listing's first level listed at once; S3A's connection pool holds far more. */
  public static final int PARALLEL_PREFIX_LISTINGS = 8;

  private static void listPrefix(FileSystem fs, Path prefix, List<ListedFile> out) throws IOException {
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(prefix, true);
    while (it.hasNext()) {
      if (Thread.currentThread().isInterrupted()) {
        throw new java.io.InterruptedIOException("interrupted while listing " + redact(prefix.toString()));
      }
      LocatedFileStatus f = it.next();
      out.add(new ListedFile(f.getPath().toString(), f.getLen(), f.getModificationTime()));
    }
  }

  /**
   * Whether Hadoop's Path keeps a file name as it is when it appends it to a folder (no escaping, no dots): letters,
   * digits and {@code _+-.}, not starting with a dot. Checked per file in listings, hence no regular expression.
   */
  public static boolean plainFileName(String name) {
    if (name.isEmpty() || name.charAt(0) == '.') {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+'
          || c == '-' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  /** Extensions of the names a names-only walk takes for files without asking the file system. */
  static final Set<String> FILE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "json", "txt", "csv", "mat", "tif",
      "tiff", "bmp", "gif", "webp", "npy", "npz", "xml", "crc");

  /** Whether a name ends with one of {@link #FILE_EXTENSIONS} (in any case). */
  static boolean namedLikeAFile(String name) {
    int dot = name.lastIndexOf('.');
    return dot > 0 && dot < name.length() - 1
        && FILE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * Files under a local folder, read a folder at a time with java.nio: each with its length and modification time
   * when {@code withStatus}; else the file system is asked only about entries not {@link #namedLikeAFile named like
   * a file}, and lengths and modification times are -1. (Hadoop's listFiles builds a LocatedFileStatus per file,
   * whose permission and owner come from a forked 'stat' process per file without the native library: about 12 ms
   * per file, 4 minutes for 20,000 images.) Links are followed; a link whose target cannot be read
   * (dangling, a loop of links) is skipped, and a folder that contains itself through a link fails the walk, as
   * {@code Files.walkFileTree} with FOLLOW_LINKS does. Hidden checksum files (.name.crc, written by Hadoop's
   * LocalFileSystem) are left out, as LocalFileSystem does. Paths are formed as Hadoop forms them (file:/dir/name).
   * An interrupt (the planner cancelling a listing it no longer needs) ends the walk with an InterruptedIOException.
   * A file given where a folder was expected ({@code --predictions a.png}) is listed as itself, as Hadoop lists it.
   */
  static List<ListedFile> listLocal(java.nio.file.Path root, Path hadoopRoot, boolean withStatus)
      throws IOException {
    List<ListedFile> out = new ArrayList<>();
    java.nio.file.attribute.BasicFileAttributes rootAttributes = java.nio.file.Files.readAttributes(root,
        java.nio.file.attribute.BasicFileAttributes.class);
    if (!rootAttributes.isDirectory()) {
      out.add(new ListedFile(hadoopRoot.toString(), rootAttributes.size(),
          rootAttributes.lastModifiedTime().toMillis()));
      return out;
    }
    walkFolder(root, rootAttributes.fileKey(), hadoopRoot, withStatus, new java.util.HashSet<>(), out);
    return out;
  }

  private static void walkFolder(java.nio.file.Path dir, Object key, Path hadoopDir, boolean withStatus,
                                 java.util.Set<Object> ancestors, List<ListedFile> out) throws IOException {
    if (key != null && !ancestors.add(key)) {
      throw new java.nio.file.FileSystemLoopException(dir.toString());
    }
    // A plain file name appended to its folder's spelling is what new Path(folder, name) spells.
    String folder = hadoopDir.toString();
    try (java.nio.file.DirectoryStream<java.nio.file.Path> entries = java.nio.file.Files.newDirectoryStream(dir)) {
      for (java.nio.file.Path entry : entries) {
        if (Thread.currentThread().isInterrupted()) {
          throw new java.io.InterruptedIOException("interrupted while listing " + hadoopDir);
        }
        String name = entry.getFileName().toString();
        if (name.startsWith(".") && name.endsWith(".crc")) {
          continue; // Hadoop's checksum files, hidden as LocalFileSystem hides them
        }
        if (!withStatus && namedLikeAFile(name)) {
          out.add(new ListedFile(filePath(folder, hadoopDir, name), -1, -1));
          continue;
        }
        java.nio.file.attribute.BasicFileAttributes attributes;
        try {
          attributes = java.nio.file.Files.readAttributes(entry, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (java.nio.file.NoSuchFileException e) {
          continue; // a dangling link, or an entry removed while listing
        } catch (IOException e) {
          // A link whose target cannot be read (a loop of links, an unreadable folder) is skipped; any other entry
          // that cannot be read fails the listing.
          if (java.nio.file.Files.isSymbolicLink(entry)) {
            continue;
          }
          throw e;
        }
        if (attributes.isDirectory()) {
          walkFolder(entry, attributes.fileKey(), new Path(hadoopDir, name), withStatus, ancestors, out);
        } else if (attributes.isRegularFile()) {
          out.add(withStatus ? new ListedFile(filePath(folder, hadoopDir, name), attributes.size(),
              attributes.lastModifiedTime().toMillis()) : new ListedFile(filePath(folder, hadoopDir, name), -1, -1));
        }
      }
    } finally {
      if (key != null) {
        ancestors.remove(key);
      }
    }
  }

  /** new Path(dir, name).toString(), without building a Path for a plain name. */
  private static String filePath(String folder, Path dir, String name) {
    return folder.endsWith("/") || !plainFileName(name) ? new Path(dir, name).toString() : folder + "/" + name;
  }

  public static byte[] readAll(String uri, Configuration conf) throws IOException {
    Path p = new Path(uri);
    FileSystem fs = p.getFileSystem(conf);
    java.io.File local = localFile(fs, p);
    if (local != null) {
      // What RawLocalFileSystem.open does underneath (a missing file, a directory or a file that may not be read
      // all throw FileNotFoundException), without LocalFileSystem's look-up of a .crc file per open.
      try (InputStream in = new java.io.FileInputStream(local)) {
        return in.readAllBytes();
      }
    }
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  /**
   * The file behind a path of the local file system, or null on any other file system. Reads and writes of local
   * files go through java.io/java.nio: without Hadoop's native library, RawLocalFileSystem forks a 'chmod' process
   * for every file it creates (about 12 ms each from a large JVM: synthesising 100,000 images slowed to 20 images/s).
   */
  static java.io.File localFile(FileSystem fs, Path p) {
    if (fs instanceof org.apache.hadoop.fs.LocalFileSystem l) {
      return l.pathToFile(p);
    }
    if (fs instanceof org.apache.hadoop.fs.RawLocalFileSystem r) {
      return r.pathToFile(p);
    }
    return null;
  }

  /** Writes a local file through a temporary name in the same folder and an atomic rename. */
  private static void writeLocalAtomically(java.io.File target, byte[] data) throws IOException {
    java.nio.file.Path t = target.toPath();
    java.nio.file.Files.createDirectories(t.getParent());
    java.nio.file.Path tmp = t.resolveSibling("." + t.getFileName() + ".tmp-" + java.util.UUID.randomUUID());
    try {
      java.nio.file.Files.write(tmp, data);
      java.nio.file.Files.move(tmp, t, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } finally {
      java.nio.file.Files.deleteIfExists(tmp);
    }
  }

  public static List<String> readLines(String uri, Configuration conf) throws IOException {
    String text = new String(readAll(uri, conf), java.nio.charset.StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>();
    for (String l : text.split("\\R")) {
      lines.add(l);
    }
    return lines;
  }

  /** Writes bytes to a temporary name and renames, so readers never see a half-written file. */
  public static void writeAtomically(String uri, byte[] data, Configuration conf) throws IOException {
    Path target = new Path(uri);
    FileSystem fs = target.getFileSystem(conf);
    java.io.File local = localFile(fs, target);
    if (local != null) {
      writeLocalAtomically(local, data);
      return;
    }
    fs.setWriteChecksum(false);
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + System.nanoTime());
    try (var out = fs.create(tmp, true)) {
      out.write(data);
    }
    if (fs.exists(target) && !fs.delete(target, false)) {
      throw new IOException("Cannot replace " + target);
    }
    if (!fs.rename(tmp, target)) {
      fs.delete(tmp, false);
      throw new IOException("Cannot rename " + tmp + " to " + target);
    }
  }

  /** A folder that cannot be written for a reason of the place itself (not an outage): the user must change it. */
  public static final class NotWritableException extends IOException {
    private static final long serialVersionUID = 1L;

    NotWritableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Makes sure a folder exists (creating it) and accepts a new file, by writing and deleting a probe. Run before
   * any work, so that an output that is a file, read-only, or in a bucket that does not exist fails at once.
   *
   * @throws NotWritableException when the place cannot be written: a file, a parent that is a file, no
   *                              permission, a bucket that does not exist (told apart by exception type)
   * @throws IOException          for anything else (an outage, throttling): not the user's path
   */
  public static void requireWritableDirectory(String uri, Configuration conf) throws IOException {
    try {
      probeWritable(uri, conf);
    } catch (NotWritableException e) {
      throw e;
    } catch (FileNotFoundException | org.apache.hadoop.fs.PathIOException
             | org.apache.hadoop.fs.ParentNotDirectoryException | org.apache.hadoop.fs.FileAlreadyExistsException | java.nio.file.AccessDeniedException
             | org.apache.hadoop.security.AccessControlException e) {
      // PathIOException covers S3A's UnknownStoreException (no such bucket) without naming the optional class.
      throw new NotWritableException(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
    }
  }

  private static void probeWritable(String uri, Configuration conf) throws IOException {
    Path dir = new Path(uri);
    FileSystem fs = dir.getFileSystem(conf);
    FileStatus status = null;
    try {
      status = fs.getFileStatus(dir);
    } catch (FileNotFoundException e) {
      // created below
    }
    if (status != null && !status.isDirectory()) {
      throw new NotWritableException("it is a file, not a folder", null);
    }
    if (status == null && !fs.mkdirs(dir)) {
      throw new NotWritableException("the folder cannot be created", null);
    }
    Path probe = new Path(dir, "_segeval-write-check-" + java.util.UUID.randomUUID());
    fs.setWriteChecksum(false);
    try (var out = fs.create(probe, false)) {
      out.write(0);
    }
    fs.delete(probe, false);
  }

  /**
   * One spelling per location ({@code file:///a/b/}, {@code file:/a/b} and {@code file:/a//b} are the same), for
   * comparing paths given in different ways.
   */
  public static String normalize(String uri) {
    return uri == null ? null : new Path(uri).toString();
  }

  /** Deletes a file if it exists. */
  public static void delete(String uri, Configuration conf) throws IOException {
    Path p = new Path(uri);
    FileSystem fs = p.getFileSystem(conf);
    if (fs.exists(p) && !fs.delete(p, false)) {
      throw new IOException("Cannot delete " + redact(uri));
    }
  }

  public static void write(String uri, byte[] data, Configuration conf) throws IOException {
    Path target = new Path(uri);
    FileSystem fs = target.getFileSystem(conf);
    java.io.File local = localFile(fs, target);
    if (local != null) {
      // No .crc side files next to local outputs either: they only clutter datasets other tools read.
      java.nio.file.Files.createDirectories(local.toPath().getParent());
      java.nio.file.Files.write(local.toPath(), data);
      return;
    }
    fs.setWriteChecksum(false);
    try (var out = fs.create(target, true)) {
      out.write(data);
    }
  }

  /**
   * A URI fit for logs and outputs: any user-info part ({@code s3a://KEY:SECRET@bucket/...}, which old Hadoop
   * versions accepted) is replaced by {@code ***}.
   */
  public static String redact(String uri) {
    if (uri == null) {
      return null;
    }
    return uri.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1***@");
  }

  /** The last path segment of a URI. */
  public static String fileName(String uri) {
    int slash = uri.lastIndexOf('/');
    return slash < 0 ? uri : uri.substring(slash + 1);
  }
}
