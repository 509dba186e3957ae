#!/usr/bin/python3
"""Where a JFR recording's threads spend their time: execution and native-method samples of the chosen threads,
counted by top frame and by the first project frame (dev.segeval.*) below it.

    SEGEVAL_JAVA_OPTS="-Xmx4g -XX:StartFlightRecording=filename=/tmp/run.jfr,settings=profile" jobs/evaluate.sh ...
    /usr/bin/python3 notebooks/bench/jfr_top.py /tmp/run.jfr [--threads 'Executor task'] [--top 15]

Needs the JDK's `jfr` tool on PATH. Threads waiting (parked, blocked) are not sampled: the counts show where
running threads spend time, not idle time.
"""
import argparse
import collections
import re
import subprocess


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('recording')
    ap.add_argument('--threads', default='Executor task', help='thread name prefix (default: Spark task threads)')
    ap.add_argument('--top', type=int, default=15)
    a = ap.parse_args()
    text = subprocess.run(['jfr', 'print', '--events', 'jdk.NativeMethodSample,jdk.ExecutionSample', '--stack-depth',
                           '64', a.recording], stdout=subprocess.PIPE, text=True, check=True).stdout
    top = collections.Counter()
    by_project = collections.Counter()
    total = 0
    for event in text.split('\njdk.')[1:]:
        thread = re.search(r'sampledThread = "([^"]+)"', event)
        if not thread or not thread.group(1).startswith(a.threads):
            continue
        frames = re.findall(r'^\s+([\w.$<>]+)\(', event, re.M)
        if not frames:
            continue
        total += 1
        top[frames[0]] += 1
        project = next((f for f in frames if f.startswith('dev.segeval')), '(no project frame)')
        by_project[(frames[0].rsplit('.', 1)[-1], project)] += 1
    print('%d samples in threads named %s*' % (total, a.threads))
    print('\n| share | top frame |\n|---:|---|')
    for frame, n in top.most_common(a.top):
        print('| %.1f %% | `%s` |' % (100.0 * n / total, frame))
    print('\n| share | top frame | first project frame |\n|---:|---|---|')
    for (frame, project), n in by_project.most_common(a.top):
        print('| %.1f %% | `%s` | `%s` |' % (100.0 * n / total, frame, project))


if __name__ == '__main__':
    main()
