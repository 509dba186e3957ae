package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RunOptionsTest {
  @Test
  void readAheadIsOnByDefaultWhereFilesAreRemote() {
    assertEquals(RunOptions.REMOTE_READ_AHEAD, RunOptions.DEFAULTS.readAheadFor("s3a://bucket/cityscapes", null));
    assertEquals(0, RunOptions.DEFAULTS.readAheadFor("file:/data/cityscapes", "file:/data/preds"));
    RunOptions auto = RunOptions.DEFAULTS.withReadAhead(RunOptions.AUTO);
    assertEquals(0, auto.readAheadFor("file:/data/cityscapes", "file:/data/preds"));
    assertEquals(0, auto.readAheadFor("/data/cityscapes", null));
    assertEquals(0, auto.readAheadFor("relative/dir:with-colon", null));
    assertEquals(RunOptions.REMOTE_READ_AHEAD, auto.readAheadFor("file:/data/cityscapes", "s3a://bucket/preds"));
    assertEquals(RunOptions.REMOTE_READ_AHEAD, auto.readAheadFor("s3a://bucket/cityscapes", null));
    assertEquals(RunOptions.REMOTE_READ_AHEAD, auto.readAheadFor("hdfs://nn:8020/cityscapes", null));
    assertEquals(RunOptions.REMOTE_READ_AHEAD, auto.readAheadFor("FILE:/x", "gs://b/p"));
    assertEquals(0, auto.withReadAhead(0).readAheadFor("s3a://bucket/cityscapes", null));
    assertEquals(3, auto.withReadAhead(3).readAheadFor("file:/data", null));
    assertThrows(IllegalArgumentException.class, () -> auto.withReadAhead(-2));
  }
}
