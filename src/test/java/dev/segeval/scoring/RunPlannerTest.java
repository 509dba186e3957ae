package dev.segeval.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.segeval.datasets.HadoopPaths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunPlannerTest {
  @Test
  void normalisingFolderByFolderSpellsWhatNormalisingWholePathsSpells() {
    Map<String, String> folders = new HashMap<>();
    List<String> paths = List.of(
        "file:/data/cityscapes/gtFine/val/lindau/lindau_000000_000019_gtFine_labelIds.png",
        "file:///data/cityscapes//gtFine/val/lindau/lindau_000000_000019_gtFine_labelIds.png",
        "file:/data/cityscapes/gtFine/val/lindau/../lindau/x.png",
        "file:/data root/with space/a-b_c+d.png",
        "file:/data/./x.png",
        "file:/data/..",
        "file:/data/.hidden.png",
        "file:/data/name with space.png",
        "file:/data/per%20cent.png",
        "file:/data/colon:name.png",
        "file:/x.png",
        "s3a://bucket/prefix//ade20k/images/validation/ADE_val_00000001.jpg",
        "s3a://bucket/a.png",
        "hdfs://nn:8020/user/x/gtFine/val/a.png",
        "/plain/local/path/a.png",
        "relative/path/a.png");
    for (int round = 0; round < 2; round++) { // the second round reads the cached folders
      for (String p : paths) {
        assertEquals(HadoopPaths.normalize(p), RunPlanner.normalizedPath(p, folders), p);
      }
    }
  }
}
