#!/usr/bin/env python3
"""CPU-seconds per thread group of one process, until it exits; with --jfr, also per kind of work.

    bench/thread-cpu.py java -Xmx576m ... -jar cli/target/ftindex.jar build --index /tmp/idx --input docs.jsonl --workers 2
    bench/thread-cpu.py --jfr java -Xmx576m ... -jar cli/target/ftindex.jar build ...

Reads /proc/<pid>/task/*/stat every 50 ms and keeps each thread's last reading, so threads that
end early are counted too; groups threads by name without their numbers (indexer-1, indexer-2 ->
indexer; C2 CompilerThread0 -> C2 CompilerThre, as the kernel truncates names to 15 characters).

--jfr adds a Flight Recording with Java sampling every millisecond (the first argument must be
the java binary; the option goes right after it) and splits the CPU-seconds of every thread
group that runs Java code by what its samples were doing: JSON parsing and mapping, analysis and
inversion (addDocument), flushing segments, merging, verifying, staging and uploading, the
finalizer, the command line. A group's CPU is divided in proportion to its samples, so the
split is an estimate with the sampling's noise (about 1 % per 10,000 samples); JIT, GC and VM
threads are reported as they are. The tables in docs/benchmarks.md were measured with it.
Linux only; --jfr needs the JDK's jfr tool next to the java binary.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

# The first pattern that occurs anywhere in a sample's stack names its kind of work; the order
# puts what happens inside addDocument (a flush the RAM buffer triggered) before addDocument.
KINDS = [
    ('json parsing and mapping', ['DocumentMapper.map', 'ParquetMapping.map']),
    ('flushing segments', ['DocumentsWriterPerThread.flush', 'DocumentsWriter.doFlush', 'IndexingChain.flush']),
    ('merging', ['IndexWriter.merge', 'IndexWriter.forceMerge', 'SegmentMerger']),
    ('analysis and inversion', ['IndexWriter.addDocument', 'IndexWriter.updateDocument', 'IndexWriter.addDocuments']),
    ('verifying and statistics', ['LuceneFiles.verify', 'PartitionBuild.fieldStats', 'DuplicateIds', 'DirectoryReader.open']),
    ('reading input', ['SplitReader', 'LineReader', 'IndexingPipeline.readText', 'LuceneBaseline.index']),
    ('staging and uploading', ['PartitionStager', 'objectstore']),
    ('finalizer', ['dev.ftindex.finalizer']),
    ('command line', ['picocli', 'dev.ftindex.cli.Main.main']),
]


def group_of(name):
    g = re.sub(r'[#-]?\d+$', '', name).strip()
    return re.sub(r'\d+$', '', g)


def run_sampled(cmd):
    """Runs cmd; returns {thread group: CPU-seconds} from /proc."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = {}
    tick = os.sysconf('SC_CLK_TCK')
    while p.poll() is None:
        try:
            for tid in os.listdir(f'/proc/{p.pid}/task'):
                try:
                    s = open(f'/proc/{p.pid}/task/{tid}/stat').read()
                except OSError:
                    continue
                name = s[s.index('(') + 1:s.rindex(')')]
                f = s[s.rindex(')') + 2:].split()
                last[tid] = (name, (int(f[11]) + int(f[12])) / tick)
        except OSError:
            pass
        time.sleep(0.05)
    groups = collections.Counter()
    for name, cpu in last.values():
        groups[group_of(name)] += cpu
    return groups


def kinds_by_group(recording, jfr_tool):
    """{JFR thread group: Counter(kind: samples)} from a recording's execution samples."""
    text = subprocess.run([jfr_tool, 'print', '--events', 'jdk.ExecutionSample', '--stack-depth', '256', recording],
                          check=True, capture_output=True, text=True).stdout
    result = collections.defaultdict(collections.Counter)
    thread, frames = None, []

    def flush():
        if thread is not None:
            stack = ' '.join(frames)
            kind = next((k for k, patterns in KINDS if any(p in stack for p in patterns)), 'other Java')
            result[thread][kind] += 1

    for line in text.splitlines():
        if line.startswith('jdk.ExecutionSample'):
            flush()
            thread, frames = '', []
            continue
        m = re.match(r'\s+sampledThread = "([^"]*)"', line)
        if m:
            # As the kernel names it: at most 15 characters, then without its number.
            thread = group_of(m.group(1)[:15])
            continue
        m = re.match(r'\s+([\w$.<>/]+)\(', line)
        if m and 'line:' in line:
            frames.append(m.group(1))
    flush()
    return result


def main(argv):
    jfr = argv[:1] == ['--jfr']
    cmd = argv[1:] if jfr else argv
    if not cmd:
        sys.exit(__doc__)
    recording = None
    if jfr:
        java = cmd[0]
        settings = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(java))), 'lib', 'jfr', 'profile.jfc')
        work = tempfile.mkdtemp(prefix='thread-cpu-')
        fast = os.path.join(work, 'fast.jfc')
        with open(settings) as f, open(fast, 'w') as out:
            out.write(re.sub(r'(control="method-sampling-java-interval">)[^<]*<', r'\g<1>1 ms<', f.read()))
        recording = os.path.join(work, 'run.jfr')
        cmd = [java, f'-XX:StartFlightRecording=filename={recording},settings={fast}'] + cmd[1:]
    groups = run_sampled(cmd)
    total = sum(groups.values())
    if not jfr:
        for g, c in groups.most_common():
            if c >= 0.05:
                print(f'{g:24s} {c:7.2f}')
        print(f'{"total (sampled)":24s} {total:7.2f}')
        return
    jfr_tool = os.path.join(os.path.dirname(os.path.realpath(cmd[0])), 'jfr')
    samples = kinds_by_group(recording, jfr_tool)
    kinds = collections.Counter()
    rows = []
    for g, cpu in groups.most_common():
        jfr_group = 'main' if g == 'java' else g  # the kernel calls the JVM's main thread "java"
        counted = samples.get(jfr_group)
        if counted:
            n = sum(counted.values())
            for kind, k in counted.items():
                kinds[kind] += cpu * k / n
            rows.append(f'{g:24s} {cpu:7.2f}   ' + ', '.join(f'{kind} {100 * k / n:.0f} %' for kind, k in counted.most_common()))
        elif cpu >= 0.05:
            kinds[g] += cpu
            rows.append(f'{g:24s} {cpu:7.2f}')
    print('by thread (CPU-seconds; the shares of its Java samples):')
    print('\n'.join(rows))
    print('\nby kind of work (CPU-seconds):')
    for kind, cpu in kinds.most_common():
        if cpu >= 0.01:
            print(f'{kind:32s} {cpu:7.2f}')
    print(f'{"total (sampled)":32s} {total:7.2f}')


if __name__ == '__main__':
    main(sys.argv[1:])
