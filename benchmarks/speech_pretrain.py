"""Train chapter 11's CTC recognisers of spoken digit strings, and save their weights.

Two recognisers, at about the same parameter count: two stacked bidirectional GRU layers, and two
one-way GRU layers (a streaming recogniser, which needs more steps to learn). Both read strings of
2 to 5 training recordings joined end to end (FSDD's MFCCs, :mod:`companion.data.spoken_digits`)
and are trained with the companion's CTC loss. Every 200 steps the digit error rate on strings of
validation recordings is recorded. Weights go to ``benchmarks/results/speech_weights.pt`` (under
1 MB) with a record, ``speech_pretrain.json``; the chapter loads the weights and scores them live
on strings of test recordings. About 3 minutes on 2 cores.

    .venv/bin/python -m benchmarks.speech_pretrain --save
"""
from __future__ import annotations

import argparse

from benchmarks.common import start
from benchmarks.records import RECORDS, save_results
from companion.applications.speech import (Recogniser, ctc_batch, digit_error_rate,
                                           save_recognisers, standardiser, transcribe)
from companion.budget import parameter_count
from companion.ctc import ctc_loss
from companion.data import spoken_digits as sd
from companion.train import fit, seed_everything

MODELS = {
    "bidirectional": {"input_size": sd.MFCCS, "hidden_size": 48, "layers": 2, "bidirectional": True},
    "streaming": {"input_size": sd.MFCCS, "hidden_size": 80, "layers": 2, "bidirectional": False},
}
RECIPE = {"steps": {"bidirectional": 800, "streaming": 1600}, "batch_size": 32, "lr": 5e-3,
          "clip_norm": 1.0, "split": [0.8, 0.1], "split_seed": 0, "validation_strings": 200,
          "every": 200, "seed": 0}
WEIGHTS = RECORDS / "speech_weights.pt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args = start(__doc__.splitlines()[0], chapter=11, parser=parser)
    frames, digits = sd.recordings()
    parts = sd.split(digits, tuple(RECIPE["split"]), seed=RECIPE["split_seed"])
    mean, std = standardiser(frames, parts["train"])
    scaled = [(f - mean) / std for f in frames]
    val = sd.digit_strings(scaled, digits, parts["val"], RECIPE["validation_strings"], seed=10**6)
    x_val, val_lengths, _, _ = ctc_batch(*val)

    def batch(step):
        return ctc_batch(*sd.digit_strings(scaled, digits, parts["train"], RECIPE["batch_size"],
                                           seed=step))

    def objective(model, b):
        x, input_lengths, targets, target_lengths = b
        return ctc_loss(model(x, input_lengths), targets, input_lengths, target_lengths)

    models, results = {}, {}
    for name, settings in MODELS.items():
        seed_everything(RECIPE["seed"])
        model = Recogniser(**settings)
        curve = []

        def report(step: int, model) -> bool:
            if step % RECIPE["every"] == 0:
                rate = digit_error_rate(transcribe(model, x_val, val_lengths), val[1])
                model.train()
                curve.append([step, round(rate, 4)])
                print(f"{name} step {step}: validation digit error rate {rate:.4f}", flush=True)
            return False

        history = fit(model, objective, batch, RECIPE["steps"][name], lr=RECIPE["lr"],
                      clip_norm=RECIPE["clip_norm"], seed=RECIPE["seed"], stop=report)
        models[name] = model.eval()
        results[name] = {"validation_curve": curve, "val_digit_error_rate": curve[-1][1],
                         "train_seconds": round(history.seconds, 1),
                         "parameters": parameter_count(model),
                         "final_train_loss": round(sum(history.loss[-20:]) / 20, 4)}
    print(results)
    if args.save:
        settings = {"models": MODELS, **RECIPE}
        save_recognisers(models, MODELS, WEIGHTS)
        print("saved", WEIGHTS, save_results("speech_pretrain", results, settings))


if __name__ == "__main__":
    main()
