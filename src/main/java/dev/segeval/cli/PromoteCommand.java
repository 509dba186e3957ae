package dev.segeval.cli;

import dev.segeval.InvalidSettingException;
import dev.segeval.nightly.SuiteConfig;
import dev.segeval.spark.NightlyJob;
import dev.segeval.spark.SparkSessions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "promote", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Makes a finished run the baseline of a nightly suite's entry, recorded in baselines/ with who, "
        + "when and why.",
        "",
        "Example:",
        "  jobs/segeval.sh promote --suite conf/nightly/demo.properties --entry model \\",
        "    --run-id demo-2026-12-01 --reason \"new training recipe, reviewed\""})
final class PromoteCommand implements Callable<Integer> {
  @Option(names = "--suite", required = true, paramLabel = "FILE", description = "Suite file (conf/nightly/).")
  Path suiteFile;

  @Option(names = "--entry", required = true, paramLabel = "NAME", description = "Entry of the suite.")
  String entry;

  @Option(names = "--run-id", required = true, paramLabel = "ID",
      description = "Run to promote, e.g. <suite>-<date>; it must have finished.")
  String runId;

  @Option(names = "--reason", required = true, paramLabel = "TEXT",
      description = "Why this run becomes the baseline; kept in baselines/.")
  String reason;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    if (reason.isBlank()) {
      throw new InvalidSettingException("Cannot promote without a --reason: say why this run becomes the baseline");
    }
    SuiteConfig suite = SuiteConfig.read(suiteFile);
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.getOrCreate("segeval promote", master, new HashMap<>());
    try {
      NightlyJob.promote(spark, suite, entry, runId, reason.strip());
      System.out.println("Promoted " + runId + " as the baseline of " + suite.suite() + "/" + entry);
      return SegEval.EXIT_OK;
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }
}
