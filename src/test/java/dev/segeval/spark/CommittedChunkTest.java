package dev.segeval.spark;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommittedChunkTest {
  private static final String DIR = "file:/out/_progress/run/results/";

  @Test
  void chunksThatTheTasksReportedAndNothingElseCoverEachImageOnce() {
    List<CommittedChunk> reported = List.of(new CommittedChunk(DIR + "t-a-chunk-1.results", 40),
        new CommittedChunk(DIR + "t-a-chunk-2.results", 60));
    // The listing may spell the folder otherwise (qualified, another scheme authority): names decide.
    assertTrue(CommittedChunk.coverEachImageOnce(reported,
        List.of("/out/_progress/run/results/t-a-chunk-2.results", DIR + "t-a-chunk-1.results"), 100));
  }

  @Test
  void aChunkNobodyReportedMeansTheHeadersMustDecide() {
    // What a failed or speculative copy of a task leaves: its chunk cut the partition's images elsewhere.
    List<CommittedChunk> reported = List.of(new CommittedChunk(DIR + "t-a-chunk-1.results", 100));
    assertFalse(CommittedChunk.coverEachImageOnce(reported,
        List.of(DIR + "t-a-chunk-1.results", DIR + "t-a-chunk-0.results"), 100));
  }

  @Test
  void imagesThatDoNotAddUpMeanTheHeadersMustDecide() {
    List<CommittedChunk> reported = List.of(new CommittedChunk(DIR + "t-a-chunk-1.results", 99));
    assertFalse(CommittedChunk.coverEachImageOnce(reported, List.of(DIR + "t-a-chunk-1.results"), 100));
    assertFalse(CommittedChunk.coverEachImageOnce(List.of(new CommittedChunk(DIR + "t-a-chunk-1.results", 101)),
        List.of(DIR + "t-a-chunk-1.results"), 100));
  }

  @Test
  void aReportedChunkMissingFromTheListingOrReportedTwiceIsNotTrusted() {
    assertFalse(CommittedChunk.coverEachImageOnce(List.of(new CommittedChunk(DIR + "t-a-chunk-1.results", 100)),
        List.of(), 100));
    assertFalse(CommittedChunk.coverEachImageOnce(List.of(new CommittedChunk(DIR + "t-a-chunk-1.results", 50),
        new CommittedChunk(DIR + "t-a-chunk-1.results", 50)), List.of(DIR + "t-a-chunk-1.results"), 100));
  }
}
