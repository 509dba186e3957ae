package dev.segeval.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.segeval.spark.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCacheTest {
  @TempDir
  Path tmp;

  @Test
  void loadsOncePerUriAndDeviceEvenUnderConcurrentRequests() throws Exception {
    Path copy = tmp.resolve("model-a.pt");
    Files.copy(Fixtures.resource("/models/conv19.pt"), copy);
    String uri = copy.toUri().toString();
    int before = ModelCache.loadCount();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<LoadedModel>> futures = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      futures.add(pool.submit((Callable<LoadedModel>) () -> ModelCache.get(uri, Device.cpu(), new Configuration(), 0)));
    }
    LoadedModel first = futures.get(0).get();
    for (Future<LoadedModel> f : futures) {
      assertSame(first, f.get());
    }
    pool.shutdown();
    assertEquals(before + 1, ModelCache.loadCount());
    assertEquals(19, first.numClasses());
  }

  @Test
  void fetchCopiesOnceAndRefetchesAReplacedFile() throws Exception {
    System.setProperty("segeval.model.cacheDir", tmp.resolve("cache").toString());
    try {
      Path src = tmp.resolve("m.pt");
      Files.copy(Fixtures.resource("/models/conv19.pt"), src);
      Path a = ModelCache.fetch(src.toUri().toString(), new Configuration());
      Path b = ModelCache.fetch(src.toUri().toString(), new Configuration());
      assertEquals(a, b);
      assertEquals(Files.size(src), Files.size(a));
      Files.copy(Fixtures.resource("/models/conv7.pt"), src, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Path c = ModelCache.fetch(src.toUri().toString(), new Configuration());
      assertTrue(!c.equals(a), "a replaced model gets a new cache entry");
      assertEquals(Files.size(src), Files.size(c));
    } finally {
      System.clearProperty("segeval.model.cacheDir");
    }
  }

  @Test
  void badModelFilesGiveClearErrors() throws Exception {
    IOException e = assertThrows(IOException.class,
        () -> ModelCache.get(tmp.resolve("missing.pt").toUri().toString(), Device.cpu(), new Configuration(), 0));
    assertTrue(e.getMessage().contains("missing.pt does not exist"), e.getMessage());
    e = assertThrows(IOException.class,
        () -> ModelCache.get(tmp.toUri().toString(), Device.cpu(), new Configuration(), 0));
    assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    Path garbage = Files.write(tmp.resolve("garbage.pt"), new byte[] {1, 2, 3, 4, 5});
    e = assertThrows(IOException.class,
        () -> ModelCache.get(garbage.toUri().toString(), Device.cpu(), new Configuration(), 0));
    assertTrue(e.getMessage().contains("not a TorchScript file"), e.getMessage());
  }
}
