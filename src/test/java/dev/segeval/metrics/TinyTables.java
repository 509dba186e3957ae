package dev.segeval.metrics;

import dev.segeval.labels.ClassSpace;
import dev.segeval.labels.LabelTable;
import dev.segeval.labels.PredictionEncoding;
import java.util.List;
import java.util.Map;

/**
 * A small labels table shaped like Cityscapes': an ignored void label, two "flat" classes, two "thing" classes
 * with instances, an ignored "thing" label with instances (like caravan), and a class that never occurs.
 */
final class TinyTables {
  private TinyTables() {
  }

  static final List<String> CSV = List.of(
      "name,id,trainId,category,categoryId,hasInstances,ignoreInEval,r,g,b",
      "void,0,255,void,0,false,true,0,0,0",
      "a,1,0,flat,1,false,false,1,0,0",
      "b,2,1,flat,1,false,false,2,0,0",
      "c,3,2,thing,2,true,false,3,0,0",
      "d,4,3,thing,2,true,false,4,0,0",
      "e,5,255,thing,2,true,true,5,0,0",
      "absent,6,4,other,3,false,false,6,0,0");

  static final Map<String, Double> SIZES = Map.of("c", 10.0, "d", 4.0, "e", 7.0);

  static LabelTable table() {
    return LabelTable.parse("tiny", "tiny.csv", CSV, SIZES);
  }

  static ClassSpace space() {
    return new ClassSpace(table(), PredictionEncoding.LABEL_ID);
  }
}
