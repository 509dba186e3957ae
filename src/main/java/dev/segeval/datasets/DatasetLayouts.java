package dev.segeval.datasets;

import dev.segeval.InvalidSettingException;
import java.util.List;
import java.util.Locale;

/** Layout lookup by dataset name. */
public final class DatasetLayouts {
  public static final List<String> NAMES = List.of("cityscapes", "ade20k", "voc2012", "folder");

  private DatasetLayouts() {
  }

  public static DatasetLayout forName(String dataset) {
    return switch (dataset.toLowerCase(Locale.ROOT)) {
      case "cityscapes" -> new CityscapesLayout();
      case "ade20k" -> new Ade20kLayout();
      case "voc2012", "voc" -> new VocLayout();
      case "folder" -> new FolderPairsLayout();
      default -> throw new InvalidSettingException(String.format(Locale.ROOT,
          "Cannot evaluate dataset '%s': unknown dataset; use one of %s (folder needs --labels <csv>)",
          dataset, NAMES));
    };
  }
}
