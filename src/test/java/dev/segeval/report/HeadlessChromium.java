package dev.segeval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders the project's HTML pages in Debian's headless Chromium (which .ci/run installs), bounded in time, and
 * reads the numbers back from the DOM: every number a page shows carries {@code data-metric} and
 * {@code data-value} attributes. A screenshot of each page is taken (copied to the folder named by the system
 * property segeval.screenshots when set: that is how benchmark-results/screenshots/ is made).
 */
public final class HeadlessChromium {
  private static final Pattern CELL = Pattern.compile("data-metric=\"([^\"]*)\" data-value=\"([^\"]*)\"");

  private final Path scratch;

  /** @param scratch a temporary folder for the browser profile and its output */
  public HeadlessChromium(Path scratch) {
    this.scratch = scratch;
  }

  static String chromium() {
    for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    throw new IllegalStateException("Chromium is needed for the browser test: apt-get install chromium (.ci/run "
        + "installs it)");
  }

  /** Runs Chromium on a page, bounded in time; returns {dom, stderr}. */
  public String[] render(Path page, String screenshot) throws Exception {
    Path profile = Files.createTempDirectory(scratch, "profile");
    List<String> cmd = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
    Path out = scratch.resolve(screenshot + ".dom");
    Path err = scratch.resolve(screenshot + ".err");
    List<String> dump = new ArrayList<>(cmd);
    dump.addAll(List.of("--dump-dom", page.toUri().toString()));
    run(dump, out, err);
    Path png = Path.of("target", "browser-screenshots", screenshot + ".png").toAbsolutePath();
    Files.createDirectories(png.getParent());
    List<String> shot = new ArrayList<>(cmd);
    shot.addAll(List.of("--hide-scrollbars", "--window-size=1200,1600", "--screenshot=" + png,
        page.toUri().toString()));
    run(shot, scratch.resolve(screenshot + ".shot.out"), scratch.resolve(screenshot + ".shot.err"));
    assertTrue(Files.size(png) > 10_000, "screenshot written: " + png);
    String target = System.getProperty("segeval.screenshots");
    if (target != null && !target.isBlank()) {
      Path dir = Path.of(target);
      Files.createDirectories(dir);
      Files.copy(png, dir.resolve(png.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
    return new String[] {Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8)};
  }

  private static void run(List<String> cmd, Path out, Path err) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly(); // the Chromium this test started, by its own handle
      throw new AssertionError("Chromium did not finish in 90 s: " + cmd);
    }
    assertEquals(0, p.exitValue(), "Chromium failed: " + Files.readString(err));
  }

  /** The page's numbers by their data-metric name. */
  public static Map<String, String> cells(String dom) {
    Map<String, String> values = new LinkedHashMap<>();
    Matcher m = CELL.matcher(dom);
    while (m.find()) {
      values.put(m.group(1).replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&"), m.group(2));
    }
    return values;
  }

  /** The page's script ran to its end and the browser logged no console message. */
  public static void assertCleanPage(String[] rendered) {
    assertTrue(rendered[0].contains("data-ready=\"1\""), "the page's script ran to its end");
    assertTrue(rendered[1].lines().noneMatch(l -> l.contains(":CONSOLE")), "console output: " + rendered[1]);
  }
}
