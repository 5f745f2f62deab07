"""Train chapter 12's melody LSTM on the training chorales, keep its best weights, save them.

Two stacked LSTM layers of 128 with variational dropout read the training melodies
(:mod:`companion.applications.music`'s symbols, from ``benchmarks/results/chorales.npz``, made by
``benchmarks.chorales_prepare``). Every 100 steps the negative log-likelihood per symbol on the
validation chorales (whole tunes held out) is recorded, and the weights of the best check are
kept (early stopping). Weights go to ``benchmarks/results/music_weights.pt`` with a record,
``music_pretrain.json``; the chapter loads them and scores them live. About a minute on 2 cores.

    .venv/bin/python -m benchmarks.music_pretrain --save
"""
from __future__ import annotations

import argparse
import copy
import math

import numpy as np

from benchmarks.common import start
from benchmarks.records import RECORDS, save_results
from companion.applications import charlm, music
from companion.budget import parameter_count
from companion.data import chorales
from companion.train import fit, seed_everything

ARCHITECTURE = {"hidden_size": 128, "embedding_size": 64, "layer": "lstm", "num_layers": 2,
                "dropout": 0.5, "variational": True}
RECIPE = {"steps": 1500, "batch_size": 32, "length": 64, "lr": 3e-3, "clip_norm": 1.0,
          "split": [0.7, 0.15], "split_seed": 0, "every": 100, "seed": 0}
WEIGHTS = RECORDS / "music_weights.pt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args = start(__doc__.splitlines()[0], chapter=12, parser=parser)
    melodies = chorales.load(RECORDS / "chorales.npz")
    parts = chorales.split(np.array([m["tune"] for m in melodies]), tuple(RECIPE["split"]),
                           seed=RECIPE["split_seed"])
    vocabulary = music.NoteVocabulary([melodies[k] for k in parts["train"]])
    train = vocabulary.stream([melodies[k] for k in parts["train"]])
    val = vocabulary.stream([melodies[k] for k in parts["val"]])
    seed_everything(RECIPE["seed"])
    model = charlm.CharLM(vocabulary.size, **ARCHITECTURE)
    curve, best = [], {"nll": math.inf, "step": 0, "state": None}

    def report(step: int, model) -> bool:
        if step % RECIPE["every"] == 0:
            nll = charlm.bits_per_char(model, val) * math.log(2)
            model.train()
            curve.append([step, round(nll, 4)])
            print(f"step {step}: validation NLL {nll:.4f} nats per symbol", flush=True)
            if nll < best["nll"]:
                best.update(nll=nll, step=step, state=copy.deepcopy(model.state_dict()))
        return False

    history = fit(model, charlm.lm_loss,
                  charlm.lm_batches(train, RECIPE["batch_size"], RECIPE["length"], RECIPE["seed"]),
                  RECIPE["steps"], lr=RECIPE["lr"], clip_norm=RECIPE["clip_norm"],
                  seed=RECIPE["seed"], stop=report)
    model.load_state_dict(best["state"])
    results = {"validation_curve": curve, "best_step": best["step"],
               "val_nll": round(best["nll"], 4), "vocab_size": vocabulary.size,
               "train_symbols": int(len(train)), "train_seconds": round(history.seconds, 1),
               "parameters": parameter_count(model)}
    print(results)
    if args.save:
        settings = {"architecture": ARCHITECTURE, **RECIPE}
        charlm.save_weights(model.eval(), WEIGHTS, {"vocab_size": vocabulary.size, **ARCHITECTURE})
        print("saved", WEIGHTS, save_results("music_pretrain", results, settings))


if __name__ == "__main__":
    main()
