"""Parse the Bach chorales of the music21 corpus once, for chapter 12, and save their melodies.

    .venv/bin/python -m benchmarks.chorales_prepare --save

writes ``benchmarks/results/chorales.npz`` (the melodies, read by
:func:`companion.data.chorales.load`) and ``benchmarks/results/chorales_prepare.json`` (what was
kept, what was left out, and how long parsing took). About a minute on 2 cores.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import time

import numpy as np

from benchmarks.records import RECORDS, save_results
from companion.data import chorales

ARCHIVE = RECORDS / "chorales.npz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", action="store_true", help="write the archive and the record")
    args = parser.parse_args()
    from music21 import corpus

    start = time.perf_counter()
    arrays = chorales.parse_corpus()
    seconds = time.perf_counter() - start
    files = [p for p in corpus.getComposer("bach") if str(p).endswith((".mxl", ".xml"))]
    lengths = np.diff(arrays["starts"])
    results = {"files": len(files), "melodies": len(arrays["names"]),
               "tunes": int(len(np.unique(arrays["tunes"]))), "notes": int(lengths.sum()),
               "parse_seconds": round(seconds, 1),
               "music21": importlib.metadata.version("music21")}
    print(results)
    if args.save:
        chorales.save(arrays, ARCHIVE)
        results["archive_sha256"] = hashlib.sha256(ARCHIVE.read_bytes()).hexdigest()
        print("saved", ARCHIVE, save_results("chorales_prepare", results, {"source": "music21 corpus, composer bach"}))


if __name__ == "__main__":
    main()
