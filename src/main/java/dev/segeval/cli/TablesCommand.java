package dev.segeval.cli;

import dev.segeval.datasets.HadoopPaths;
import dev.segeval.spark.SparkSessions;
import dev.segeval.spark.TablesJob;
import dev.segeval.tables.PaperTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tables", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Reproduces published tables: every row with a model and local ground truth is evaluated with "
        + "its protocol, side by side with the reported numbers.",
        "Tables are data (conf/tables/*.csv); model files come from --models. A row's finished run with the same "
            + "fingerprint is reused (nothing inferred again). Rows without a model say 'not run', rows on "
            + "private test splits 'test server'; none shows a zero. Writes <output>/<table>.md, <table>.html and "
            + "Parquet under <output>/table/.",
        "",
        "Example:",
        "  segeval tables --table conf/tables/demo.csv --models conf/tables/models.properties \\",
        "    --data-root-for cityscapes=target/demo/data/cityscapes --output target/tables"})
final class TablesCommand implements Callable<Integer> {
  @Option(names = "--table", required = true, paramLabel = "CSV",
      description = "A table of conf/tables/, repeatable.")
  List<Path> tables;

  @Option(names = "--models", paramLabel = "FILE",
      description = "Model key = TorchScript URI, one per line (default: none: every row is 'not run').")
  Path models;

  @Option(names = "--model-for", paramLabel = "KEY=URI",
      description = "A model for one key, repeatable; wins over --models.")
  Map<String, String> modelFor;

  @Option(names = "--data-root-for", paramLabel = "DATASET=URI",
      description = "Dataset root per dataset (cityscapes, ade20k, voc2012), repeatable.")
  Map<String, String> dataRoots;

  @Option(names = "--output", required = true, paramLabel = "URI",
      description = "Where the rows' evaluations (evaluations/) and the tables go.")
  String output;

  @Option(names = "--rows", split = ",", paramLabel = "ROW",
      description = "Run (or plan) only these rows, by their 'row' key, comma-separated; the others are listed as "
          + "not selected (default: every row).")
  List<String> rows;

  @Option(names = "--plan",
      description = "Only print per row the images, forward passes (scales x windows x flip) and an estimated time "
          + "from a one-image calibration on an executor; run nothing.")
  boolean plan;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    Map<String, String> modelUris = new HashMap<>(models == null ? Map.of() : PaperTable.models(models));
    if (modelFor != null) {
      modelUris.putAll(modelFor);
    }
    List<PaperTable> read = new java.util.ArrayList<>();
    for (Path file : tables) {
      read.add(PaperTable.read(file));
    }
    java.util.Set<String> selected = rows == null ? null : new java.util.LinkedHashSet<>(rows);
    if (selected != null) {
      java.util.Set<String> unknown = new java.util.TreeSet<>(selected);
      read.forEach(t -> t.rows().forEach(r -> unknown.remove(r.key())));
      if (!unknown.isEmpty()) {
        throw new dev.segeval.InvalidSettingException("Cannot use --rows " + String.join(",", unknown) + ": no such "
            + "row in " + tables + " (the 'row' column)");
      }
    }
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.getOrCreate("segeval tables", master, new HashMap<>());
    boolean failed = false;
    try {
      for (PaperTable table : read) {
        if (plan) {
          System.out.println(TablesJob.planMarkdown(table, TablesJob.plan(spark, table, selected, modelUris,
              dataRoots == null ? Map.of() : dataRoots, System.err)));
          continue;
        }
        List<TablesJob.Result> results = TablesJob.run(spark, table, selected, modelUris,
            dataRoots == null ? Map.of() : dataRoots, output, System.err);
        String md = TablesJob.markdown(table, results);
        System.out.println(md);
        var conf = spark.sparkContext().hadoopConfiguration();
        String out = HadoopPaths.qualify(output);
        HadoopPaths.writeAtomically(HadoopPaths.join(out, table.name() + ".md"),
            md.getBytes(StandardCharsets.UTF_8), conf);
        HadoopPaths.writeAtomically(HadoopPaths.join(out, table.name() + ".html"), TablesJob.html(table, results),
            conf);
        TablesJob.writeParquet(spark, table, results, output);
        failed |= results.stream().anyMatch(r -> r.state() == TablesJob.State.FAILED);
      }
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
    return failed ? SegEval.EXIT_RUN_FAILED : SegEval.EXIT_OK;
  }
}
