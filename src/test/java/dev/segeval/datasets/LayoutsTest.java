package dev.segeval.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.spark.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayoutsTest {
  @TempDir
  Path tmp;
  final Configuration conf = new Configuration();

  @Test
  void cityscapesListsGroundTruthWithInstanceAndImagePaths() throws Exception {
    String root = Fixtures.synth().resolve("cityscapes").toUri().toString();
    List<Sample> samples = new CityscapesLayout().list(root, "val", conf);
    assertEquals(6, samples.size());
    Sample s = samples.get(0);
    assertEquals("frankfurt_000000_000019", s.id());
    assertTrue(s.labelPath().endsWith("gtFine/val/frankfurt/frankfurt_000000_000019_gtFine_labelIds.png"));
    assertTrue(s.instancePath().endsWith("frankfurt_000000_000019_gtFine_instanceIds.png"));
    assertTrue(s.imagePath().endsWith("leftImg8bit/val/frankfurt/frankfurt_000000_000019_leftImg8bit.png"));
    assertTrue(new CityscapesLayout().list(root, "test", conf).isEmpty());
  }

  @Test
  void ade20kAcceptsTheDataFolderOrItsParentAndSplitAliases() throws Exception {
    Path parent = Fixtures.synth().resolve("ade20k");
    List<Sample> a = new Ade20kLayout().list(parent.toUri().toString(), "val", conf);
    List<Sample> b = new Ade20kLayout().list(parent.resolve("ADEChallengeData2016").toUri().toString(),
        "validation", conf);
    assertEquals(6, a.size());
    assertEquals(a, b);
    assertEquals("ADE_val_00000001", a.get(0).id());
    assertTrue(a.get(0).imagePath().endsWith("images/validation/ADE_val_00000001.jpg"));
    assertNull(a.get(0).instancePath());
  }

  @Test
  void vocReadsTheSplitFileAndKeepsListedIdsWithoutLabels() throws Exception {
    Path root = tmp.resolve("VOCdevkit/VOC2012");
    Files.createDirectories(root.resolve("ImageSets/Segmentation"));
    Files.writeString(root.resolve("ImageSets/Segmentation/val.txt"), "2007_000033\n\n2007_000042 1\n2007_000033\n");
    List<Sample> s = new VocLayout().list(tmp.resolve("VOCdevkit").toUri().toString(), "val", conf);
    assertEquals(2, s.size(), "blank lines and duplicates are skipped");
    assertTrue(s.get(1).labelPath().endsWith("VOC2012/SegmentationClass/2007_000042.png"));
    assertTrue(new VocLayout().list(tmp.resolve("VOCdevkit").toUri().toString(), "train", conf).isEmpty());
  }

  @Test
  void folderPairsMatchImagesByBaseName() throws Exception {
    Files.createDirectories(tmp.resolve("labels/val"));
    Files.createDirectories(tmp.resolve("images/val"));
    Files.write(tmp.resolve("labels/val/a.png"), new byte[] {1});
    Files.write(tmp.resolve("labels/val/b.png"), new byte[] {1});
    Files.write(tmp.resolve("images/val/a.png"), new byte[] {1});
    List<Sample> s = new FolderPairsLayout().list(tmp.toUri().toString(), "val", conf);
    assertEquals(2, s.size());
    assertTrue(s.get(0).imagePath().endsWith("images/val/a.png"));
    assertTrue(s.get(1).imagePath().endsWith("images/val/b.jpg"), "missing image: the default name");
  }

  @Test
  void predictionIndexFollowsTheOfficialPrefixRule() throws Exception {
    Files.createDirectories(tmp.resolve("p/sub"));
    for (String name : new String[] {"aachen_000000_000019_x.png", "sub/aachen_000000_000020.png",
        "aachen_000000_000021.txt", "bochum_000000_000019_a.png", "sub/bochum_000000_000019_b.png"}) {
      Files.write(tmp.resolve("p").resolve(name), new byte[] {0});
    }
    PredictionIndex index = PredictionIndex.build(tmp.resolve("p").toUri().toString(), conf);
    assertEquals(4, index.size());
    assertTrue(index.resolve("aachen_000000_000019", PredictionMatcher.PREFIX).endsWith("aachen_000000_000019_x.png"));
    assertTrue(index.resolve("aachen_000000_000020", PredictionMatcher.PREFIX).endsWith("sub/aachen_000000_000020.png"));
    PredictionIndex.UnresolvedPredictionException e = assertThrows(PredictionIndex.UnresolvedPredictionException.class,
        () -> index.resolve("aachen_000000_000021", PredictionMatcher.PREFIX));
    assertTrue(e.getMessage().startsWith("no prediction matching aachen_000000_000021*.png"), e.getMessage());
    assertFalse(e.ambiguous());
    e = assertThrows(PredictionIndex.UnresolvedPredictionException.class,
        () -> index.resolve("bochum_000000_000019", PredictionMatcher.PREFIX));
    assertTrue(e.getMessage().startsWith("ambiguous prediction: 2 files match"), e.getMessage());
    assertTrue(e.ambiguous());
    // Exact matching for the other datasets: a longer name does not match.
    assertThrows(PredictionIndex.UnresolvedPredictionException.class,
        () -> index.resolve("aachen_000000_000019", PredictionMatcher.EXACT));
    assertTrue(index.resolve("aachen_000000_000020", PredictionMatcher.EXACT).endsWith("aachen_000000_000020.png"));
  }

  @Test
  void unknownDatasetNamesTheChoices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetLayouts.forName("coco"));
    assertTrue(e.getMessage().contains("'coco'") && e.getMessage().contains("cityscapes"), e.getMessage());
  }

  @Test
  void redactHidesUserInfoOnly() {
    assertEquals("s3a://***@bucket/data", HadoopPaths.redact("s3a://AKIA123:SeCrEt@bucket/data"));
    assertEquals("s3a://bucket/data", HadoopPaths.redact("s3a://bucket/data"));
    assertEquals("file:/tmp/a@b", HadoopPaths.redact("file:/tmp/a@b"));
  }
}
