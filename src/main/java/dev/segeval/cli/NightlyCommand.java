package dev.segeval.cli;

import dev.segeval.InvalidSettingException;
import dev.segeval.nightly.SuiteConfig;
import dev.segeval.spark.NightlyJob;
import dev.segeval.spark.SparkSessions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "nightly", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Runs a nightly suite: every entry evaluated, compared with its promoted baseline, recorded in history/.",
        "Each entry's run goes to <output>/<entry> with run id <suite>-<date>; the comparison is compare's (paired "
            + "bootstrap, tolerance, Holm per class); history/ gets one row per entry (metrics, model SHA-256, "
            + "protocol, tool version, git commit, images/s, verdict). Baselines change only with 'promote'.",
        "",
        "Exit codes: 0 no regression; 4 an entry regressed (or, with --fail-on-slowdown, got slower); 3 an entry's "
            + "evaluation failed; 2 bad suite file. One line per entry says why.",
        "",
        "Example:",
        "  jobs/nightly.sh --suite conf/nightly/demo.properties"})
final class NightlyCommand implements Callable<Integer> {
  static final int EXIT_REGRESSION = 4;

  @Option(names = "--suite", required = true, paramLabel = "FILE",
      description = "Suite file (conf/nightly/*.properties): suite, output, entries, entry.<name>, tolerance, "
          + "speed-tolerance, resamples.")
  Path suiteFile;

  @Option(names = "--date", paramLabel = "YYYY-MM-DD",
      description = "The night to record (default: today, UTC); rerunning a date replaces its runs and rows.")
  String date;

  @Option(names = "--fail-on-slowdown",
      description = "Make an images/s drop beyond the suite's speed-tolerance a failure (default: a warning).")
  boolean failOnSlowdown;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    SuiteConfig suite = SuiteConfig.read(suiteFile);
    LocalDate night;
    try {
      night = date == null ? LocalDate.now(ZoneOffset.UTC) : LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      throw new InvalidSettingException("Cannot use --date '" + date + "': expected YYYY-MM-DD", e);
    }
    String git = gitCommit();
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.getOrCreate("segeval nightly " + suite.suite(), master, new HashMap<>());
    try {
      List<NightlyJob.EntryOutcome> outcomes = new ArrayList<>();
      for (SuiteConfig.Entry entry : suite.entries()) {
        List<String> args = new ArrayList<>(List.of("evaluate"));
        args.addAll(entry.evaluateArgs());
        args.addAll(List.of("--output", suite.entryOutput(entry.name()), "--run-id", suite.runId(night), "--quiet"));
        System.err.println("[segeval] nightly " + suite.suite() + "/" + entry.name() + ": evaluate "
            + String.join(" ", args.subList(1, args.size())));
        int exit = SegEval.execute(args.toArray(new String[0]));
        outcomes.add(NightlyJob.judge(spark, suite, entry, night, exit, git, failOnSlowdown, System.err));
      }
      List<Row> rows = new ArrayList<>();
      outcomes.forEach(o -> rows.add(o.history()));
      NightlyJob.appendHistory(spark, suite, rows);
      String page = NightlyJob.writePage(spark, suite);
      System.out.println("Nightly " + suite.suite() + " " + night + ":");
      for (NightlyJob.EntryOutcome o : outcomes) {
        System.out.println("  " + o.line());
      }
      System.out.println("Trend: " + dev.segeval.datasets.HadoopPaths.redact(page));
      boolean regressed = outcomes.stream().anyMatch(o -> o.regression() || failOnSlowdown && o.slower());
      if (regressed) {
        return EXIT_REGRESSION;
      }
      return outcomes.stream().anyMatch(NightlyJob.EntryOutcome::failed) ? SegEval.EXIT_RUN_FAILED : SegEval.EXIT_OK;
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }

  /** The commit of the working directory's git checkout, for history/; "unknown" outside one. */
  static String gitCommit() {
    String env = System.getenv("SEGEVAL_GIT_COMMIT");
    if (env != null && !env.isBlank()) {
      return env.strip();
    }
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly(); // our own child, by its handle
        return "unknown";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
