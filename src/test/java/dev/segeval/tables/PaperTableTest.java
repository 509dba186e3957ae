package dev.segeval.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.InvalidSettingException;
import dev.segeval.metrics.AbsentClassPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaperTableTest {
  @TempDir
  Path tmp;

  @Test
  void shippedTablesReadWithTheReportedNumbers() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("conf/tables"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".csv")).toList()) {
        assertTrue(PaperTable.read(f).rows().size() >= 2, f.toString());
      }
    }
    PaperTable paper = PaperTable.read(Path.of("conf/tables/pspnet-cvpr2017.csv"));
    assertEquals(17, paper.rows().size());
    PaperTable.Row r269 = paper.rows().stream().filter(r -> r.key().equals("ade-r269-ms")).findFirst().orElseThrow();
    assertEquals(0.4494, r269.reported().miou(), 0);
    assertEquals(0.8169, r269.reported().pixelAccuracy(), 0);
    assertEquals(6, r269.protocol().scales().length);
    PaperTable.Row cs = paper.rows().stream().filter(r -> r.key().equals("cs-pspnet-coarse")).findFirst()
        .orElseThrow();
    assertTrue(cs.testServer());
    assertEquals(0.581, cs.reported().iiou(), 0);
    PaperTable semseg = PaperTable.read(Path.of("conf/tables/semseg-release.csv"));
    assertEquals(12, semseg.rows().size());
    PaperTable.Row cs101 = semseg.rows().stream().filter(r -> r.key().equals("cs-psp101-ms")).findFirst()
        .orElseThrow();
    assertEquals(0.7929, cs101.reported().miou(), 0);
    assertEquals(0.8591, cs101.reported().meanAccuracy(), 0);
    assertEquals(0.9638, cs101.reported().pixelAccuracy(), 0);
    assertEquals(713, cs101.protocol().cropHeight());
    assertEquals(2048, cs101.protocol().baseSize());
    assertEquals(AbsentClassPolicy.COUNT_AS_ZERO, cs101.absentClasses());
  }

  @Test
  void badRowsNameTheFileLineAndColumn() throws Exception {
    Path f = tmp.resolve("t.csv");
    String header = String.join(",", PaperTable.HEADER);
    Files.writeString(f, header + "\na,t,ade20k,val,M,B,1.0,none,473,512,29.39,,,,,\n");
    InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> PaperTable.read(f));
    assertEquals("Cannot read table " + f + ", line 2: column miou must be a fraction in 0..1 (29.39 % is 0.2939), "
        + "got '29.39'", e.getMessage());
    Files.writeString(f, header + "\na,t,kitti,val,M,B,,,,,0.1,,,,,\n");
    e = assertThrows(InvalidSettingException.class, () -> PaperTable.read(f));
    assertTrue(e.getMessage().startsWith("Cannot read table " + f + ", line 2: "), e.getMessage());
    Files.writeString(f, "row,dataset\n");
    e = assertThrows(InvalidSettingException.class, () -> PaperTable.read(f));
    assertTrue(e.getMessage().contains("the header must be row,table,dataset"), e.getMessage());
  }
}
