package dev.segeval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkdownResultsTest {
  @TempDir
  Path tmp;

  @Test
  void sectionsGoToTheConsoleAndAccumulateInTheResultsFile() throws Exception {
    Path file = tmp.resolve("results.md");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
    MarkdownResults.publish("## first\n", out, file);
    MarkdownResults.publish("## second\n", out, file);
    MarkdownResults.publish("## console only\n", out, null);
    assertEquals("## first\n\n## second\n\n", Files.readString(file));
    assertEquals("## first\n\n## second\n\n## console only\n\n", console.toString(StandardCharsets.UTF_8)
        .replace(System.lineSeparator(), "\n"));
  }
}
