package dev.segeval.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.segeval.spark.Fixtures;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inference runs with no network: a child JVM with an empty DJL cache, DJL's offline setting as the tool applies
 * it, and every outgoing HTTP connection recorded and refused, must unpack the bundled natives, load the model and
 * predict, with zero connection attempts; the engine reports the natives it loaded from the bundle.
 */
@Tag("integration")
class OfflineTest {
  @TempDir
  Path cache;

  @Test
  void djlLoadsBundledNativesWithoutAnyConnectionAttempt() throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
        "-Dai.djl.offline=true", OfflineProbe.class.getName(),
        Fixtures.resource("/models/conv19.pt").toString());
    pb.environment().put("DJL_CACHE_DIR", cache.toString());
    pb.environment().put("ENGINE_CACHE_DIR", cache.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(cache.resolve("probe.log").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "probe did not finish in 5 minutes");
    String log = java.nio.file.Files.readString(cache.resolve("probe.log"), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), log);
    assertTrue(log.contains("OUTPUT=(1, 19, 33, 33)"), log);
    assertTrue(log.contains("ATTEMPTS=0 []"), log);
    String engine = log.lines().filter(l -> l.startsWith("ENGINE=")).findFirst().orElseThrow();
    assertTrue(engine.contains("PyTorch 2.7.1"), engine);
    assertTrue(engine.contains("offline=true"), engine);
    assertTrue(engine.contains("natives " + cache + File.separator + "pytorch"), "natives unpacked into the "
        + "fresh cache from the bundled jar: " + engine);
    List<String> bundled = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
    assertTrue(bundled.stream().anyMatch(j -> j.contains("pytorch-native-cpu")) || bundled.size() == 1,
        "the CPU natives jar is on the classpath");
  }
}
