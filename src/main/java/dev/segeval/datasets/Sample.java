package dev.segeval.datasets;

import java.io.Serializable;

/**
 * One image of a dataset: where its pixels and labels are. Paths are Hadoop URIs; nothing here is decoded.
 *
 * @param id            dataset-specific image id (Cityscapes: {@code <city>_<seq>_<frame>}; others: base name)
 * @param imagePath     the input image (may not exist when only predictions are scored)
 * @param labelPath     ground-truth label PNG (label ids, or palette indices for VOC)
 * @param instancePath  Cityscapes {@code instanceIds} PNG, null for datasets without instances
 */
public record Sample(String id, String imagePath, String labelPath, String instancePath) implements Serializable {
}
