package dev.segeval.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The launcher's option file (jobs/java17-options) and the pom's surefire argLine list the same options. */
class JavaOptionsFileTest {
  @Test
  void launcherOptionsAreTheOnesTheTestsRunWith() throws Exception {
    List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
    for (String option : Files.readAllLines(Path.of("jobs/java17-options"))) {
      if (!option.isBlank() && !option.startsWith("#")) {
        assertTrue(jvm.contains(option.strip()), "surefire argLine lacks " + option);
      }
    }
  }
}
