package dev.segeval.cli;

import dev.segeval.InvalidSettingException;
import dev.segeval.scoring.EvaluationException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code segeval <command> [options]}. Argument parsing and exit codes only. */
@Command(name = "segeval", mixinStandardHelpOptions = true, versionProvider = SegEval.Version.class,
    description = {
        "Exact semantic-segmentation evaluation at scale on Apache Spark:",
        "mIoU, pixel accuracy, mean accuracy, fwIoU and Cityscapes iIoU, as the official scripts compute them."},
    subcommands = {EvaluateCommand.class, CompareCommand.class, NightlyCommand.class, PromoteCommand.class,
        TablesCommand.class, SubmitCommand.class, ShowCommand.class, SynthCommand.class,
        BenchEvaluateCommand.class, BenchInferenceCommand.class, BenchCompareCommand.class,
        BenchListingCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Exit codes: 0 success; 1 some images failed (see images/ and summary.json; --allow-failures "
        + "makes this 0); 2 bad option or input; 3 the run itself failed; 4 compare found a regression."})
public final class SegEval implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_IMAGES_FAILED = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_RUN_FAILED = 3;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static int execute(String... args) {
    return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** With the writers that picocli's help and error messages go to (tests capture them). */
  static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new SegEval());
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> exitCodeOf(ex, commandLine.getErr()));
    cl.setParameterExceptionHandler(UsageErrors::report);
    try {
      return cl.execute(ConfigFiles.expand(cl, args));
    } catch (InvalidSettingException | java.io.IOException e) {
      cl.getErr().println("segeval: " + e.getMessage());
      return EXIT_USAGE;
    }
  }

  /**
   * Bad input is recognised by type and reported in one line (exit 2); any other exception, an
   * IllegalArgumentException from deep inside included, is a bug or an outage: exit 3 with its stack trace.
   */
  static int exitCodeOf(Exception ex, PrintWriter err) {
    if (ex instanceof InvalidSettingException || ex instanceof EvaluationException) {
      err.println("segeval: " + ex.getMessage());
      return EXIT_USAGE;
    }
    err.println("segeval: run failed: " + ex);
    ex.printStackTrace(err);
    return EXIT_RUN_FAILED;
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"segeval " + dev.segeval.spark.EvaluateJob.VERSION};
    }
  }
}
