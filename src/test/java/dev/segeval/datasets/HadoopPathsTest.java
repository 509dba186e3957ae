package dev.segeval.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopPathsTest {
  @TempDir
  Path tmp;

  /** path -> "length@mtime", as Hadoop's own recursive listing gives them. */
  static Map<String, String> hadoopListing(String uri, Configuration conf) throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(uri);
    FileSystem fs = dir.getFileSystem(conf);
    Map<String, String> out = new TreeMap<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      out.put(f.getPath().toString(), f.getLen() + "@" + f.getModificationTime());
    }
    return out;
  }

  /**
   * A tree with an empty folder, a folder name with a space, file names with {@code %}, an underscore and the given
   * non-ASCII name, and a checksum file as Hadoop's LocalFileSystem writes them (hidden by its listing, and by ours).
   */
  static Path tree(Path root, String unicodeName) throws Exception {
    Files.createDirectories(root.resolve("a/b c"));
    Files.createDirectories(root.resolve("empty"));
    Files.write(root.resolve("top.png"), new byte[] {1, 2, 3});
    Files.write(root.resolve("a/x_1.png"), new byte[10]);
    Files.write(root.resolve("a/b c/y%20z.png"), new byte[7]);
    Files.write(root.resolve("a/b c/" + unicodeName), new byte[1]);
    Files.write(root.resolve("a/.x_1.png.crc"), new byte[12]);
    return root;
  }

  @Test
  void theLocalWalkListsWhatHadoopListsWithTheSamePathStrings() throws Exception {
    Path root = tree(tmp.resolve("data root"), "ünï.png");
    Files.write(root.resolve("a/.hidden.png"), new byte[2]);
    Configuration conf = new Configuration();
    String uri = HadoopPaths.qualify(root.toString());

    Map<String, String> ours = new TreeMap<>();
    List<ListedFile> listed = HadoopPaths.listFilesRecursive(uri, conf);
    for (ListedFile f : listed) {
      ours.put(f.path(), f.length() + "@" + f.modificationTime());
    }
    assertEquals(hadoopListing(uri, conf), ours);
    assertEquals(5, ours.size(), ours.toString());
    assertTrue(ours.keySet().stream().noneMatch(p -> p.endsWith(".crc")));
    List<String> names = new ArrayList<>();
    listed.forEach(f -> names.add(f.name()));
    assertTrue(names.contains("y%20z.png") && names.contains("ünï.png"), names.toString());
    assertEquals(List.of(), HadoopPaths.listFilesRecursive(uri + "/none", conf));
  }

  @Test
  void theNamesOnlyWalkListsTheSamePathsWithoutStatuses() throws Exception {
    Path root = tree(tmp.resolve("names root"), "ünï.PNG");
    Files.createDirectories(root.resolve("elsewhere"));
    Files.write(root.resolve("a/README"), new byte[1]); // no extension: asked, and a file
    Files.write(root.resolve("elsewhere/linked.png"), new byte[4]);
    Configuration conf = new Configuration();
    String uri = HadoopPaths.qualify(root.toString());
    // A link to a folder is followed (the stat walk follows links too); a link without a readable target and a
    // name not like a data file (dangling, or a loop of links) is skipped by both.
    Files.createSymbolicLink(root.resolve("a/link"), root.resolve("elsewhere"));
    Files.createSymbolicLink(root.resolve("a/dangling"), root.resolve("nowhere"));
    Files.createSymbolicLink(root.resolve("a/self"), root.resolve("a/self"));

    List<ListedFile> listed = HadoopPaths.listFilesRecursive(uri, conf, false);
    List<String> paths = new ArrayList<>();
    for (ListedFile f : listed) {
      paths.add(f.path());
      assertEquals(-1, f.length(), f.path());
      assertEquals(-1, f.modificationTime(), f.path());
    }
    paths.sort(null);
    List<String> expected = new ArrayList<>();
    for (ListedFile f : HadoopPaths.listFilesRecursive(uri, conf)) {
      expected.add(f.path());
    }
    expected.sort(null);
    assertEquals(expected, paths);
    assertEquals(7, paths.size(), paths.toString());
    assertTrue(paths.contains(uri + "/a/link/linked.png"), paths.toString());
    assertEquals(List.of(), HadoopPaths.listFilesRecursive(uri + "/none", conf, false));
  }

  @Test
  void theNamesOnlyWalkTakesNamesLikeFilesForFilesAndStopsAtLoops() throws Exception {
    Path root = tmp.resolve("odd");
    // A folder named like a file is not entered: it is listed as a file, as the official globs would take it.
    Files.createDirectories(root.resolve("folder.png"));
    Files.write(root.resolve("folder.png/inside.png"), new byte[1]);
    Configuration conf = new Configuration();
    String uri = HadoopPaths.qualify(root.toString());
    List<String> names = new ArrayList<>();
    HadoopPaths.listFilesRecursive(uri, conf, false).forEach(f -> names.add(f.name()));
    assertEquals(List.of("folder.png"), names);
    // A dangling link named like a data file is listed too (as the globs list it); reading it fails, naming it.
    Files.createSymbolicLink(root.resolve("gone.png"), root.resolve("nowhere.png"));
    names.clear();
    HadoopPaths.listFilesRecursive(uri, conf, false).forEach(f -> names.add(f.name()));
    names.sort(null);
    assertEquals(List.of("folder.png", "gone.png"), names);
    // The stat walk, given a file where a folder was expected, lists the file, as Hadoop does.
    String file = HadoopPaths.qualify(root.resolve("folder.png/inside.png").toString());
    assertEquals(hadoopListing(file, conf).keySet().stream().toList(),
        HadoopPaths.listFilesRecursive(file, conf).stream().map(ListedFile::path).toList());
    assertTrue(HadoopPaths.namedLikeAFile("a_gtFine_labelIds.png") && HadoopPaths.namedLikeAFile("x.JPG"));
    assertTrue(!HadoopPaths.namedLikeAFile("frankfurt") && !HadoopPaths.namedLikeAFile(".png")
        && !HadoopPaths.namedLikeAFile("v1.2") && !HadoopPaths.namedLikeAFile("name."));

    Path loop = Files.createDirectories(tmp.resolve("loop/a"));
    Files.createSymbolicLink(loop.resolve("back"), tmp.resolve("loop"));
    org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.FileSystemLoopException.class,
        () -> HadoopPaths.listFilesRecursive(HadoopPaths.qualify(tmp.resolve("loop").toString()), conf, false));
  }

  @Test
  void plainFileNamesAreWhatHadoopsPathAppendsUnchanged() {
    java.util.regex.Pattern plain = java.util.regex.Pattern.compile("[A-Za-z0-9_+-][A-Za-z0-9._+-]*");
    for (String name : List.of("a.png", "x_1-2+3.PNG", ".hidden", "", "a b.png", "y%20z.png", "ünï.png", "a:b",
        "a/b", "..", "-", "a.", "frankfurt_000000_000294_gtFine_labelIds.png", "a#b", "a?b", "a\\b")) {
      assertEquals(plain.matcher(name).matches(), HadoopPaths.plainFileName(name), name);
      if (HadoopPaths.plainFileName(name)) {
        org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path("file:/data/x y");
        assertEquals(new org.apache.hadoop.fs.Path(folder, name).toString(), folder + "/" + name, name);
      }
    }
  }

  @Test
  void localWritesAndReadsBehaveAsHadoopsOwnWithoutSideFiles() throws Exception {
    Configuration conf = new Configuration();
    String root = HadoopPaths.qualify(tmp.resolve("out dir").toString());
    String file = HadoopPaths.join(root, "a", "b", "x.bin");
    HadoopPaths.write(file, new byte[] {1, 2, 3}, conf);
    org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {1, 2, 3}, HadoopPaths.readAll(file, conf));
    // Read back through Hadoop's own local file system too: the same path string names the same file.
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(file);
    try (var in = p.getFileSystem(conf).open(p)) {
      org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes());
    }
    HadoopPaths.writeAtomically(file, new byte[] {9}, conf);
    org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {9}, HadoopPaths.readAll(file, conf));
    try (var names = Files.list(tmp.resolve("out dir/a/b"))) {
      assertEquals(List.of("x.bin"), names.map(f -> f.getFileName().toString()).toList(),
          "no .crc file and no temporary file left behind");
    }
    // Missing files and folders read as FileNotFoundException, which the scorer files as a missing file.
    org.junit.jupiter.api.Assertions.assertThrows(java.io.FileNotFoundException.class,
        () -> HadoopPaths.readAll(HadoopPaths.join(root, "nope.png"), conf));
    org.junit.jupiter.api.Assertions.assertThrows(java.io.FileNotFoundException.class,
        () -> HadoopPaths.readAll(HadoopPaths.join(root, "a"), conf));
  }

  @Test
  void anInterruptedLocalListingStopsWithAnInterruptedIOException() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("interrupted/a"));
    Files.write(root.resolve("x.png"), new byte[] {1});
    org.apache.hadoop.fs.Path hadoopRoot = new org.apache.hadoop.fs.Path(tmp.resolve("interrupted").toUri());
    // The walk itself (Hadoop's exists() before it may swallow an interrupt in its shell calls).
    Thread.currentThread().interrupt();
    try {
      org.junit.jupiter.api.Assertions.assertThrows(java.io.InterruptedIOException.class,
          () -> HadoopPaths.listLocal(tmp.resolve("interrupted"), hadoopRoot, true));
      Thread.currentThread().interrupt();
      org.junit.jupiter.api.Assertions.assertThrows(java.io.InterruptedIOException.class,
          () -> HadoopPaths.listLocal(tmp.resolve("interrupted"), hadoopRoot, false));
    } finally {
      Thread.interrupted(); // clear the flag for the tests that follow on this thread
    }
    assertEquals(1, HadoopPaths.listFilesRecursive(tmp.resolve("interrupted").toUri().toString(),
        new Configuration()).size());
  }
}
