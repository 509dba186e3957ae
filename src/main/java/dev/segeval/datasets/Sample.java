package dev.segeval.datasets;

import java.io.Serializable;
import java.util.Objects;

/**
 * One image of a dataset: where its pixels and labels are. Paths are Hadoop URIs; nothing here is decoded.
 *
 * <p>The driver plans one sample per image, so a sample is stored compactly: each path as its folder (interned:
 * a split has a few folders) and its file name, and a name that starts with the image id as the rest after the
 * id (interned too: "_gtFine_labelIds.png"). A 100,000-image plan took 738 bytes per image with whole path
 * strings (benchmark-results/driver-memory.md). The accessors give the paths exactly as they were given.
 */
public final class Sample implements Serializable {
  private static final long serialVersionUID = 2L;

  private final String id;
  private final String imageFolder;
  private final String imageName;
  private final String labelFolder;
  private final String labelName;
  private final String instanceFolder;
  private final String instanceName;
  /** Bit k set: the name of path k (image, label, instance) is the id followed by the stored name. */
  private final byte afterId;

  /**
   * @param id            dataset-specific image id (Cityscapes: {@code <city>_<seq>_<frame>}; others: base name)
   * @param imagePath     the input image (may not exist when only predictions are scored), or null
   * @param labelPath     ground-truth label PNG (label ids, or palette indices for VOC), or null
   * @param instancePath  Cityscapes {@code instanceIds} PNG, null for datasets without instances
   */
  public Sample(String id, String imagePath, String labelPath, String instancePath) {
    this.id = id;
    byte bits = 0;
    String[] image = split(id, imagePath);
    String[] label = split(id, labelPath);
    String[] instance = split(id, instancePath);
    imageFolder = image[0];
    imageName = image[1];
    labelFolder = label[0];
    labelName = label[1];
    instanceFolder = instance[0];
    instanceName = instance[1];
    bits |= image[2] != null ? 1 : 0;
    bits |= label[2] != null ? 2 : 0;
    bits |= instance[2] != null ? 4 : 0;
    afterId = bits;
  }

  /** {folder or null, name (or the rest after the id), non-null when the name starts with the id}. */
  static String[] split(String id, String path) {
    if (path == null) {
      return new String[3];
    }
    int slash = path.lastIndexOf('/');
    String folder = slash < 0 ? null : path.substring(0, slash).intern();
    String name = path.substring(slash + 1);
    if (id != null && !id.isEmpty() && name.startsWith(id)) {
      return new String[] {folder, name.substring(id.length()).intern(), ""};
    }
    return new String[] {folder, name, null};
  }

  static String join(String id, String folder, String name, boolean afterId) {
    if (name == null) {
      return null;
    }
    String fileName = afterId ? id + name : name;
    return folder == null ? fileName : folder + "/" + fileName;
  }

  public String id() {
    return id;
  }

  public String imagePath() {
    return join(id, imageFolder, imageName, (afterId & 1) != 0);
  }

  public String labelPath() {
    return join(id, labelFolder, labelName, (afterId & 2) != 0);
  }

  public String instancePath() {
    return join(id, instanceFolder, instanceName, (afterId & 4) != 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sample s && Objects.equals(id, s.id) && Objects.equals(imagePath(), s.imagePath())
        && Objects.equals(labelPath(), s.labelPath()) && Objects.equals(instancePath(), s.instancePath());
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, imagePath(), labelPath(), instancePath());
  }

  @Override
  public String toString() {
    return "Sample[id=" + id + ", imagePath=" + imagePath() + ", labelPath=" + labelPath() + ", instancePath="
        + instancePath() + "]";
  }
}
