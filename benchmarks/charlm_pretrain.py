"""Pre-train chapter 7's character-level language model on Shakespeare, and save its weights.

Chapter 7 has 60 seconds, too few to train a character model that beats a Kneser-Ney n-gram, so
this script trains one and saves its weights in float16 (``benchmarks/results/charlm_weights.pt``,
under 8 MB) with a record of how it was made
(``benchmarks/results/charlm_pretrain.json``). The chapter loads the weights, scores them live on
the held-out play, and runs a short live training of its own. The model is what chapter 10
teaches: two stacked GRU layers, variational dropout, and the read-out tied to the embeddings.
It takes about 65 minutes on 2 cores.

    .venv/bin/python -m benchmarks.charlm_pretrain --save
"""
from __future__ import annotations

import argparse

from benchmarks.common import start
from companion.applications import charlm
from companion.data import shakespeare
from benchmarks.records import RECORDS, save_results
from companion.train import fit, seed_everything

RECIPE = {"layer": "gru", "hidden_size": 512, "embedding_size": 512, "num_layers": 2,
          "dropout": 0.1, "variational": True, "residual": False, "tie_weights": True,
          "batch_size": 32,
          "length": 128, "phases": [[4000, 2e-3], [2000, 5e-4]], "clip_norm": 1.0,
          "validation": ["macbeth"], "seed": 0}
ARCHITECTURE = {key: RECIPE[key] for key in charlm.ARCHITECTURE}
EVERY = 1000
WEIGHTS = RECORDS / "charlm_weights.pt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args = start(__doc__.splitlines()[0], chapter=7, parser=parser)
    split = shakespeare.held_out_split(tuple(RECIPE["validation"]))
    train_ids = shakespeare.encode(shakespeare.corpus(split["train"]))
    val_ids = shakespeare.encode(shakespeare.corpus(split["val"]))
    seed_everything(RECIPE["seed"])
    model = charlm.CharLM(shakespeare.VOCAB_SIZE, RECIPE["hidden_size"],
                          RECIPE["embedding_size"], RECIPE["layer"], **ARCHITECTURE)
    curve, done, seconds = [], 0, 0.0

    def report(step: int, model) -> bool:
        if (done + step) % EVERY == 0:
            bpc = charlm.bits_per_char(model, val_ids)
            curve.append([done + step, round(bpc, 4)])
            print(f"step {done + step}: validation {bpc:.4f} bits per character", flush=True)
        return False

    for phase, (steps, lr) in enumerate(RECIPE["phases"]):
        batches = charlm.lm_batches(train_ids, RECIPE["batch_size"], RECIPE["length"],
                                    seed=RECIPE["seed"] + phase)
        history = fit(model, charlm.lm_loss, batches, steps, lr=lr,
                      clip_norm=RECIPE["clip_norm"], seed=RECIPE["seed"] + phase, stop=report)
        done, seconds = done + steps, seconds + history.seconds
    results = {"validation_curve": curve, "val_bpc": curve[-1][1],
               "train_seconds": round(seconds, 1),
               "train_characters": len(train_ids), "val_characters": len(val_ids),
               "characters_seen": done * RECIPE["batch_size"] * RECIPE["length"]}
    print(results)
    if args.save:
        settings = {**RECIPE, "vocab_size": shakespeare.VOCAB_SIZE}
        charlm.save_weights(model, WEIGHTS, settings)
        print("saved", WEIGHTS, save_results("charlm_pretrain", results, settings))


if __name__ == "__main__":
    main()
