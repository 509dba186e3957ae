package dev.segeval.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConfigFilesTest {
  @TempDir
  Path tmp;

  @Test
  void commandLineWinsOverLaterFilesWhichWinOverEarlierOnes() throws Exception {
    Path a = Files.writeString(tmp.resolve("a.properties"), "dataset=ade20k\nsplit=train\nquiet=true\n");
    Path b = Files.writeString(tmp.resolve("b.properties"), "split=val\nspark.executor.memory=2g\n");
    String[] out = ConfigFiles.expand(new CommandLine(new SegEval()),
        new String[] {"evaluate", "--config", a.toString(), "--config", b.toString(), "--dataset", "voc2012"});
    assertArrayEquals(new String[] {"evaluate", "--conf", "spark.executor.memory=2g", "--split", "val", "--quiet",
        "--dataset", "voc2012"}, out);
  }

  @Test
  void unknownKeysAndBadFlagsNameTheKeyAndFile() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.properties"), "data_root=/x\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigFiles.expand(
        new CommandLine(new SegEval()), new String[] {"evaluate", "--config", bad.toString()}));
    assertTrue(e.getMessage().contains("key 'data_root'") && e.getMessage().contains("bad.properties"),
        e.getMessage());
    Path flag = Files.writeString(tmp.resolve("flag.properties"), "quiet=yes\n");
    e = assertThrows(IllegalArgumentException.class, () -> ConfigFiles.expand(new CommandLine(new SegEval()),
        new String[] {"evaluate", "--config", flag.toString()}));
    assertTrue(e.getMessage().contains("takes true or false"), e.getMessage());
    assertEquals(SegEval.EXIT_USAGE, SegEval.execute("evaluate", "--config", tmp.resolve("missing").toString()));
  }

  @Test
  void shippedConfigFilesAreValid() throws Exception {
    try (var files = Files.walk(Path.of("conf"))) {
      for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".properties")
          && !f.getFileName().toString().startsWith("log4j2"))::iterator) {
        if (p.startsWith(Path.of("conf", "tables"))) {
          // Model keys of the tables, not evaluate options: every key must be used by a shipped table.
          var models = dev.segeval.tables.PaperTable.models(p);
          assertTrue(!models.isEmpty(), p + " maps no model");
          continue;
        }
        if (p.startsWith(Path.of("conf", "nightly"))) {
          // Suite files, not evaluate options: every entry must be a valid evaluate command line in turn.
          var suite = dev.segeval.nightly.SuiteConfig.read(p);
          for (var entry : suite.entries()) {
            String[] args = new String[entry.evaluateArgs().size() + 1];
            args[0] = "evaluate";
            for (int i = 0; i < entry.evaluateArgs().size(); i++) {
              args[i + 1] = entry.evaluateArgs().get(i);
            }
            assertTrue(ConfigFiles.expand(new CommandLine(new SegEval()), args).length > 2, p + " " + entry.name());
          }
          continue;
        }
        String[] out = ConfigFiles.expand(new CommandLine(new SegEval()),
            new String[] {"evaluate", "--config", p.toString()});
        assertTrue(out.length > 1, p + " sets nothing");
      }
    }
  }
}
