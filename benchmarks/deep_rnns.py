"""Chapter 10's measurements: depth, residual connections, dropout, weight tying, layer norm,
initialisation.

Every language model here reads Shakespeare one character at a time and is trained by stateful
truncated BPTT (:func:`companion.tbptt.train_stateful`, chunks of 100 characters, 32 contiguous
streams), and is scored in bits per character on *Macbeth*, held out as in chapter 7.

- ``depth``: stacked LSTMs of 1, 2 and 3 layers, with and without residual connections, each
  sized to the same parameter budget, trained for the same steps on all the other plays;
  validation bits per character, and forward+backward time per step measured side by side.
- ``layer_norm``: the layer-normalised LSTM against the plain one at depth 1.
- ``regularisation``: a two-layer LSTM on one play only (*Hamlet*, so it can over-fit), with no
  dropout, dropout with a fresh mask per step, variational dropout, weight decay, and variational
  dropout with tied weights; training and validation curves per epoch, early stopping read off.
- ``init``: the adding problem (T = 100) with a tanh RNN as chapter 2 trained it, the same with
  orthogonal recurrent weights, the identity-initialised ReLU RNN (Le et al. 2015), and an LSTM.

About 25 minutes on 2 cores.

    .venv/bin/python -m benchmarks.deep_rnns --save
"""
from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import torch
from torch.nn import functional as F

from benchmarks.common import start
from benchmarks.records import interleaved_medians, save_results
from companion.applications import charlm
from companion.budget import parameter_count
from companion.data import shakespeare
from companion.data.memory_tasks import train_on_adding
from companion.init import identity_relu_, orthogonal_recurrent_
from companion.layernorm_lstm import LayerNormLSTM
from companion.lstm import LSTM
from companion.rnn import RNN
from companion.rnn_types import ManyToOne
from companion.tbptt import contiguous_streams, stream_chunks, train_stateful
from companion.train import seed_everything

LM = {"batch_size": 32, "k": 100, "embedding_size": 64, "lr": 2e-3, "clip_norm": 1.0,
      "validation_characters": 20000, "seed": 0}
DEPTH = {"budget_of": {"num_layers": 1, "hidden_size": 256}, "steps": 800,
         "configurations": [[1, False], [2, False], [3, False], [2, True], [3, True]],
         "timing_repeats": 5}
REGULARISATION = {"play": "hamlet", "num_layers": 2, "hidden_size": 192, "epochs": 20,
                  "every": 2, "p": 0.3, "weight_decay": 0.1, "train_characters": 20000,
                  "runs": ["none", "dropout", "variational", "weight_decay", "variational_tied"]}
INIT = {"length": 100, "hidden_size": 64, "steps": 1500, "lr": 1e-3,
        "runs": ["tanh", "tanh_orthogonal", "irnn", "lstm"]}


def lm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def hidden_for_budget(num_layers: int, budget: int, residual: bool = False) -> int:
    """The largest hidden size whose stacked LSTM LM has at most ``budget`` parameters."""
    H = 8
    while parameter_count(charlm.CharLM(shakespeare.VOCAB_SIZE, H + 1, LM["embedding_size"],
                                        "lstm", num_layers=num_layers, residual=residual)) <= budget:
        H += 1
    return H


def train_lm(model, train_ids, steps: int | None, epochs: int = 1, weight_decay: float = 0.0,
             every_epoch=None) -> float:
    """Stateful TBPTT over contiguous streams; returns the training seconds."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=LM["lr"], weight_decay=weight_decay)
    streams = contiguous_streams(train_ids, LM["batch_size"])
    seconds = 0.0
    for epoch in range(epochs):
        chunks = stream_chunks(streams, LM["k"])
        if steps is not None:
            chunks = itertools.islice(chunks, steps)
        begin = time.perf_counter()
        train_stateful(model, chunks, optimizer, lm_loss, clip_norm=LM["clip_norm"])
        seconds += time.perf_counter() - begin
        if every_epoch is not None:
            every_epoch(epoch + 1, model)
    return seconds


def step_timer(model, seed: int = 0):
    ids = torch.randint(0, shakespeare.VOCAB_SIZE, (LM["batch_size"], LM["k"] + 1),
                        generator=torch.Generator().manual_seed(seed))

    def run():
        logits, _ = model(ids[:, :-1])
        lm_loss(logits, ids[:, 1:]).backward()
    return run


def depth_and_layer_norm(train_ids, val_ids) -> tuple[dict, dict]:
    budget = parameter_count(charlm.CharLM(shakespeare.VOCAB_SIZE, DEPTH["budget_of"]["hidden_size"],
                                           LM["embedding_size"], "lstm"))
    depth, timers = {}, {}
    for num_layers, residual in DEPTH["configurations"]:
        name = f"{num_layers}_layer{'s' if num_layers > 1 else ''}{'_residual' if residual else ''}"
        seed_everything(LM["seed"])
        H = hidden_for_budget(num_layers, budget, residual)
        model = charlm.CharLM(shakespeare.VOCAB_SIZE, H, LM["embedding_size"], "lstm",
                              num_layers=num_layers, residual=residual)
        seconds = train_lm(model, train_ids, DEPTH["steps"])
        depth[name] = {"num_layers": num_layers, "residual": residual, "hidden_size": H,
                       "parameters": parameter_count(model),
                       "val_bpc": round(charlm.bits_per_char(model, val_ids), 4),
                       "train_seconds": round(seconds, 1)}
        timers[name] = step_timer(model)
        print(name, depth[name], flush=True)

    seed_everything(LM["seed"])
    H = DEPTH["budget_of"]["hidden_size"]
    model = charlm.CharLM(shakespeare.VOCAB_SIZE, H, LM["embedding_size"], "lstm")
    model.rnn.layers[0].layer = LayerNormLSTM(LM["embedding_size"], H)
    seconds = train_lm(model, train_ids, DEPTH["steps"])
    layer_norm = {"hidden_size": H, "parameters": parameter_count(model),
                  "val_bpc": round(charlm.bits_per_char(model, val_ids), 4),
                  "train_seconds": round(seconds, 1), "lstm_val_bpc": depth["1_layer"]["val_bpc"]}
    timers["layer_norm"] = step_timer(model)
    print("layer norm", layer_norm, flush=True)

    medians = interleaved_medians(timers, repeats=DEPTH["timing_repeats"], warmup=1)
    for name, median in medians.items():
        target = layer_norm if name == "layer_norm" else depth[name]
        target["step_ms"] = round(1000 * median, 1)
        target["step_ratio"] = round(median / medians["1_layer"], 3)
    return depth, layer_norm


def regularisation(val_ids) -> dict:
    R = REGULARISATION
    train_ids = shakespeare.encode(shakespeare.corpus([R["play"]]))
    train_slice = train_ids[:R["train_characters"]]
    runs = {}
    for name in R["runs"]:
        seed_everything(LM["seed"])
        tied = name == "variational_tied"
        p = R["p"] if name in ("dropout", "variational", "variational_tied") else 0.0
        model = charlm.CharLM(shakespeare.VOCAB_SIZE, R["hidden_size"], R["hidden_size"], "lstm",
                              num_layers=R["num_layers"], dropout=p,
                              variational=name != "dropout", tie_weights=tied)
        curve = []

        def record(epoch: int, model) -> None:
            if epoch % R["every"] == 0:
                curve.append([epoch, round(charlm.bits_per_char(model, train_slice), 4),
                              round(charlm.bits_per_char(model, val_ids), 4)])
                print(name, curve[-1], flush=True)
        seconds = train_lm(model, train_ids, None, epochs=R["epochs"],
                           weight_decay=R["weight_decay"] if name == "weight_decay" else 0.0,
                           every_epoch=record)
        best = min(curve, key=lambda row: row[2])
        runs[name] = {"parameters": parameter_count(model), "curve": curve,
                      "final_val_bpc": curve[-1][2], "best_val_bpc": best[2],
                      "best_epoch": best[0], "train_seconds": round(seconds, 1)}
    return {"train_characters": len(train_ids),
            "steps_per_epoch": len(range(0, len(train_ids) // LM["batch_size"] - 1, LM["k"])),
            "runs": runs}


def initialisation() -> dict:
    S = INIT
    makers = {
        "tanh": lambda I, H: RNN(I, H),
        "tanh_orthogonal": lambda I, H: orthogonal_recurrent_(RNN(I, H)),
        "irnn": lambda I, H: identity_relu_(RNN(I, H, nonlinearity="relu")),
        "lstm": lambda I, H: LSTM(I, H),
    }
    results = {}
    for name in S["runs"]:
        seed_everything(LM["seed"])
        model = ManyToOne(2, S["hidden_size"], 1, layer=makers[name])
        history, test_mse = train_on_adding(model, S["length"], steps=S["steps"], lr=S["lr"])
        losses = np.asarray(history.loss)
        results[name] = {"test_mse": round(test_mse, 5), "diverged": bool(history.diverged),
                         "loss_curve": [round(float(x), 5) for x in
                                        losses[: len(losses) // 50 * 50].reshape(-1, 50).mean(1)]}
        print(name, results[name]["test_mse"], flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["depth", "regularisation", "init"], default=None)
    args = start(__doc__.splitlines()[0], chapter=10, parser=parser)
    split = shakespeare.held_out_split(("macbeth",))
    train_ids = shakespeare.encode(shakespeare.corpus(split["train"]))
    val_ids = shakespeare.encode(shakespeare.corpus(split["val"]))[:LM["validation_characters"]]
    results = {}
    if args.only in (None, "init"):
        results["init"] = initialisation()
    if args.only in (None, "regularisation"):
        results["regularisation"] = regularisation(val_ids)
    if args.only in (None, "depth"):
        results["depth"], results["layer_norm"] = depth_and_layer_norm(train_ids, val_ids)
    if args.save:
        if args.only is not None:
            raise SystemExit("--save records every measurement: run without --only")
        settings = {"lm": LM, "depth": DEPTH, "regularisation": REGULARISATION, "init": INIT}
        print("saved", save_results("deep_rnns", results, settings))


if __name__ == "__main__":
    main()
