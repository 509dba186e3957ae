package dev.segeval.spark;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.Path;

/**
 * A chunk file as the task that committed it reports it: its path and how many images it holds. The scoring job
 * collects one report per chunk from the successful task of each partition.
 *
 * @param file   the chunk file (committed by the task, or by an earlier copy of the same chunk)
 * @param images the images the task put into it
 */
record CommittedChunk(String file, int images) implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Whether the reported chunks hold each scored image exactly once, so that the write phase may read them all
   * without first reading every header to choose which chunk supplies which image.
   *
   * <p>It holds when the results directory holds exactly the reported chunks and their images add up to the
   * images scored. Each partition scored its own images (ids are unique in a plan), and its successful task
   * committed each of them once, in consecutive chunks; a chunk of the same name holds the same images. What else
   * puts chunks into the directory, a failed or speculative copy of a task (whose chunks may cut its images
   * elsewhere) or an earlier attempt at the run, leaves files nobody reported, and then the headers decide.
   *
   * @param reported what the tasks reported
   * @param files    every chunk file of the run, as listed after the scoring job
   * @param scored   the images the job scored
   */
  static boolean coverEachImageOnce(List<CommittedChunk> reported, List<String> files, long scored) {
    Set<String> reportedNames = new HashSet<>();
    long images = 0;
    for (CommittedChunk c : reported) {
      if (!reportedNames.add(new Path(c.file()).getName())) {
        return false; // two tasks reported one chunk: a task that ran twice (never, with one attempt collected)
      }
      images += c.images();
    }
    Set<String> listedNames = new HashSet<>();
    for (String f : files) {
      listedNames.add(new Path(f).getName());
    }
    return images == scored && listedNames.equals(reportedNames);
  }
}
