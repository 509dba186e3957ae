package dev.segeval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CompareCalibrationTest {
  @Test
  void aLargeInjectedDropIsFlaggedOnBothClassesAndTheTableReportsEveryRate() throws Exception {
    CompareCalibration.Settings s = new CompareCalibration.Settings(3, 2, 40, 96, 48, 3000, 0.6,
        dev.segeval.compare.Comparison.ClassCorrection.MAX_T, 5, "test");
    CompareCalibration.Result r = CompareCalibration.run(s);
    assertEquals(2, r.dropBothFlagged(), "a drop of 60 % of the rows cannot be missed");
    assertTrue(r.meanDropPoints() > 10, "mean drop " + r.meanDropPoints());
    assertTrue(r.headlineFalseAlarms() <= 3 && r.classFalseAlarms() <= 3);
    String md = CompareCalibration.markdown(r);
    assertTrue(md.contains("| A/A: a headline regression reported | 3 | "), md);
    assertTrue(md.contains("| drop (car, building; "), md);
    assertTrue(md.contains("both flagged | 2 | 100.0 % | >= 90 % |"), md);
    assertEquals(7 + 1 + 1 + 1 + 2 + 1 + 1, md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| simulation"))
        .count(), md);
  }
}
