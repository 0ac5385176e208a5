#!/usr/bin/env python3
"""Builds the bundled sample collection from Debian packages (reproducible, standard library only).

    apt-get install bible-kjv bible-kjv-text wordnet-base
    python3 samples/make-sample.py samples/docs

Sources and licences (see samples/README.md):
  kjv      bible-kjv       the King James Version, one document per chapter (public domain)
  wordnet  wordnet-base    WordNet 3.0 noun synsets, every 40th (WordNet licence, notice in README)
Output: 8 gzip JSONL files of about equal size, one JSON object per line:
  {"id", "title", "contents", "source", "words"}
"""
import gzip, json, os, re, subprocess, sys

WS = re.compile(r"\s+")


def norm(s):
    return WS.sub(" ", s).strip()


def kjv_chapters():
    out = subprocess.run(["bible", "-l0", "gen1:1-rev22:21"], capture_output=True, text=True, check=True).stdout
    chapter, verses = None, []
    for line in out.split("\n"):
        if not line.strip():
            continue
        if not line.startswith(" "):
            if chapter and verses:
                yield chapter, verses
            chapter, verses = line.strip(), []
            continue
        m = re.match(r"^\s+(\d+)\s+(.*)$", line)
        if m:
            verses.append(norm(m.group(2)))
    if chapter and verses:
        yield chapter, verses


def wordnet_nouns():
    n = 0
    for line in open("/usr/share/wordnet/data.noun", encoding="utf-8", errors="replace"):
        if line.startswith("  "):
            continue
        meta, _, gloss = line.partition(" | ")
        f = meta.split()
        off, count = f[0], int(f[3], 16)
        words = [re.sub(r"\(.*\)$", "", f[4 + 2 * i]).replace("_", " ") for i in range(count)]
        n += 1
        if n % 40 == 0:
            yield off, words, norm(gloss)


def main(outdir):
    docs = []
    for chapter, verses in kjv_chapters():
        slug = re.sub(r"[^a-z0-9]+", "-", chapter.lower()).strip("-")
        contents = " ".join(verses)
        docs.append({"id": "kjv-" + slug, "title": chapter, "contents": contents,
                     "source": "kjv", "words": len(contents.split())})
    for off, words, gloss in wordnet_nouns():
        contents = ", ".join(words) + ": " + gloss
        docs.append({"id": "wordnet-n-" + off, "title": ", ".join(words), "contents": contents,
                     "source": "wordnet", "words": len(contents.split())})
    os.makedirs(outdir, exist_ok=True)
    parts = 8
    for p in range(parts):
        path = os.path.join(outdir, "sample-%d.jsonl.gz" % p)
        # mtime=0: the same input gives the same bytes.
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            for doc in docs[p::parts]:
                out.write((json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8"))
    print("%d documents in %d files under %s" % (len(docs), parts, outdir))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "samples/docs")
