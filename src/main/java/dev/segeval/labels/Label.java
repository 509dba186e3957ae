package dev.segeval.labels;

import java.io.Serializable;

/**
 * One row of a dataset's labels table, in the shape of cityscapesScripts' {@code labels.py}.
 *
 * @param name          human-readable class name, unique within a table
 * @param id            the value stored in ground-truth label files (negative: never stored, e.g. Cityscapes' license plate)
 * @param trainId       dense index of an evaluated class (0..C-1); 255 or -1 for labels that are not evaluated
 * @param category      coarse group (Cityscapes' "human", "vehicle", ...); "-" where the dataset has none
 * @param categoryId    index of the category, -1 where the dataset has none
 * @param hasInstances  whether instance ids exist for this label (Cityscapes iIoU)
 * @param ignoreInEval  pixels with this ground truth are skipped; predicting it is a miss
 * @param color         display colour, packed 0xRRGGBB
 */
public record Label(String name, int id, int trainId, String category, int categoryId,
                    boolean hasInstances, boolean ignoreInEval, int color) implements Serializable {

  public boolean hasCategory() {
    return categoryId >= 0 && !"-".equals(category);
  }
}
