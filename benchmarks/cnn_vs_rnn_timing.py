"""Forward+backward time against sequence length: a GRU, and causal CNNs, measured side by side.

For each length T, interleaved in one run: the companion GRU (64 units), a TCN of about the same
parameter count (24 channels, a fixed 6 blocks, receptive field 127 steps), and a TCN of 24
channels with just enough blocks to see the whole sequence (about log2 T of them). Batch 16,
8 input features, fp32, 2 threads. Chapter 6 plots the record. About a minute on 2 cores.

    .venv/bin/python -m benchmarks.cnn_vs_rnn_timing [--save]
"""
from __future__ import annotations

import torch

from benchmarks.common import backward_of, start
from companion.budget import parameter_count
from companion.conv import TCN, blocks_to_see
from companion.gru import GRU
from benchmarks.records import interleaved_medians, save_results

LENGTHS = (64, 256, 1024, 4096)
SETTINGS = {"B": 16, "I": 8, "H": 64, "tcn_channels": 24, "fixed_blocks": 6, "kernel_size": 2,
            "repeats": 5,
            "lengths": list(LENGTHS)}


def main() -> None:
    args = start(__doc__.splitlines()[0], chapter=6)
    s = SETTINGS
    gru = GRU(s["I"], s["H"])
    fixed = TCN(s["I"], s["tcn_channels"], s["fixed_blocks"], s["kernel_size"])
    results = {"parameters": {"GRU": parameter_count(gru), "TCN fixed": parameter_count(fixed)},
               "milliseconds": {}, "whole_sequence_blocks": {}}
    for T in LENGTHS:
        blocks = blocks_to_see(T, s["kernel_size"])
        whole = TCN(s["I"], s["tcn_channels"], blocks, s["kernel_size"])
        x = torch.randn(s["B"], T, s["I"], requires_grad=True)
        medians = interleaved_medians({
            "GRU": backward_of(lambda: gru(x)[0]),
            "TCN fixed": backward_of(lambda: fixed(x)[0]),
            "TCN whole sequence": backward_of(lambda m=whole: m(x)[0]),
        }, s["repeats"], warmup=1)
        results["milliseconds"][str(T)] = {k: round(v * 1e3, 3) for k, v in medians.items()}
        results["whole_sequence_blocks"][str(T)] = blocks
        results["parameters"][f"TCN whole sequence T={T}"] = parameter_count(whole)
        print(f"T={T:5d}: " + ", ".join(f"{k} {v * 1e3:8.1f} ms" for k, v in medians.items())
              + f"  (whole-sequence TCN: {blocks} blocks)", flush=True)
    if args.save:
        print("saved", save_results("cnn_vs_rnn_timing", results, s))


if __name__ == "__main__":
    main()
