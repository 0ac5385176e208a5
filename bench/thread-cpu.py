#!/usr/bin/env python3
"""CPU-seconds per thread group of one process, until it exits.

    bench/thread-cpu.py java -Xmx576m ... -jar cli/target/ftindex.jar build --index /tmp/idx --input docs.jsonl --workers 2

Reads /proc/<pid>/task/*/stat every 50 ms and keeps each thread's last reading, so threads that
end early are counted too; groups threads by name without their numbers (indexer-1, indexer-2 ->
indexer; C2 CompilerThread0 -> C2 CompilerThre, as the kernel truncates names to 15 characters).
The per-thread table in docs/benchmarks.md was measured with it. Linux only.
"""
import subprocess, sys, os, time, re, collections
cmd = sys.argv[1:]
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
            name = s[s.index('(')+1:s.rindex(')')]
            f = s[s.rindex(')')+2:].split()
            last[tid] = (name, (int(f[11]) + int(f[12])) / tick)
    except OSError:
        pass
    time.sleep(0.05)
groups = collections.Counter()
for tid, (name, cpu) in last.items():
    g = re.sub(r'[#-]?\d+$', '', name).strip()
    g = re.sub(r'\d+$', '', g)
    groups[g] += cpu
total = sum(groups.values())
for g, c in groups.most_common():
    if c >= 0.05: print(f'{g:24s} {c:7.2f}')
print(f'{"total (sampled)":24s} {total:7.2f}')
