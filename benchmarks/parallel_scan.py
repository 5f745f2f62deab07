"""Forward+backward time of torch.nn.GRU, a minGRU loop and a minGRU parallel scan, by length.

For each T, interleaved in one run: ``torch.nn.GRU``, ``MinGRU(mode="sequential")`` (the
recurrence as a Python loop) and ``MinGRU(mode="parallel")`` (chunked log-space scan), all with
B=16, I=64, H=256, fp32, 2 threads. Chapter 9 quotes the record. A few minutes on 2 cores.

    .venv/bin/python -m benchmarks.parallel_scan [--save]
"""
from __future__ import annotations

import torch
from torch import nn

from benchmarks.common import backward_of, start
from companion.scan import MinGRU
from benchmarks.records import interleaved_medians, save_results

SETTINGS = {"B": 16, "I": 64, "H": 256, "lengths": [256, 1024, 4096], "repeats": 5}


def main() -> None:
    args = start(__doc__.splitlines()[0], chapter=9)
    s = SETTINGS
    gru = nn.GRU(s["I"], s["H"], batch_first=True)
    min_gru = MinGRU(s["I"], s["H"])
    results = {"milliseconds": {}, "threads": torch.get_num_threads()}
    for T in s["lengths"]:
        x = torch.randn(s["B"], T, s["I"], requires_grad=True)
        medians = interleaved_medians({
            "torch.nn.GRU": backward_of(lambda: gru(x)[0]),
            "minGRU loop": backward_of(lambda: min_gru(x, mode="sequential")[0]),
            "minGRU parallel scan": backward_of(lambda: min_gru(x)[0]),
        }, s["repeats"], warmup=1)
        results["milliseconds"][str(T)] = {k: round(v * 1e3, 2) for k, v in medians.items()}
        print(f"T={T:5d}: " + ", ".join(f"{k} {v * 1e3:8.1f} ms" for k, v in medians.items()),
              flush=True)
    if args.save:
        print("saved", save_results("parallel_scan", results, s))


if __name__ == "__main__":
    main()
