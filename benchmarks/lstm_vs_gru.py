"""LSTM vs GRU, measured: the experiments behind chapter 4's verdicts that do not fit its minute.

Three parts, each saved as its own record in benchmarks/results/ for the chapter to load:

- ``timing`` (``lstm_vs_gru_timing``, about 1 minute): forward+backward time of torch.nn.LSTM,
  torch.nn.GRU and the companion's LSTM and GRU, interleaved in one run, at the course's benchmark
  shape (T=100, B=64, I=128, H=256), plus both GRUs at the hidden size that gives the GRU the
  LSTM's parameter count.
- ``adding`` (``lstm_vs_gru_adding``, about 10 minutes): steps until the validation MSE of the
  adding problem falls to 0.01, for T = 50, 100, 200 and several seeds, for an LSTM with 32 units,
  a GRU with 32 units and a GRU with the LSTM's parameter count; a run that never gets there
  within the step budget counts as not solved.
- ``digits`` (``lstm_vs_gru_digits``, about 2 minutes): test accuracy on scikit-learn's digits,
  read row by row, for training sets of 10, 30 and 120 images per class and several seeds.

    .venv/bin/python -m benchmarks.lstm_vs_gru --part timing [--save]
    .venv/bin/python -m benchmarks.lstm_vs_gru --part adding [--save]
    .venv/bin/python -m benchmarks.lstm_vs_gru --part digits [--save]
"""
from __future__ import annotations

import argparse

import torch
from torch import nn

from benchmarks.common import backward_of, start
from companion.budget import equal_budget_hidden
from companion.data.digits import balanced_subset, digits_sequences
from companion.gru import GRU
from companion.lstm import LSTM
from companion.rnn_types import ManyToOne
from benchmarks.records import interleaved_medians, save_record, save_results
from companion.data.memory_tasks import train_on_adding
from companion.train import accuracy, seed_everything, train_classifier

ADDING = {"hidden": 32, "lr": 0.02, "max_steps": 1500, "check_every": 25, "target_mse": 0.01,
          "forget_bias": 1.0, "lengths": [50, 100, 200], "seeds": [0, 1, 2]}
DIGITS = {"hidden": 32, "lr": 0.01, "steps": 500, "batch_size": 32,
          "per_class": [10, 30, 120], "seeds": [0, 1, 2, 3, 4]}


def models(input_size: int, hidden: int, output_size: int, forget_bias: float | None = None):
    """name -> a function building that model: LSTM and GRU at ``hidden``, GRU at equal budget."""
    equal = equal_budget_hidden(input_size, hidden)

    def lstm() -> nn.Module:
        model = ManyToOne(input_size, hidden, output_size, layer=LSTM)
        if forget_bias is not None:
            with torch.no_grad():
                model.rnn.cell.b_f.fill_(forget_bias)
        return model

    return {f"LSTM {hidden}": lstm,
            f"GRU {hidden}": lambda: ManyToOne(input_size, hidden, output_size, layer=GRU),
            f"GRU {equal}": lambda: ManyToOne(input_size, equal, output_size, layer=GRU)}


def timing(args: argparse.Namespace) -> None:
    T, B, I, H, repeats = 100, 64, 128, 256, 15
    H_equal = equal_budget_hidden(I, H)
    torch.manual_seed(0)
    x = torch.randn(B, T, I, requires_grad=True)
    runs = {}
    for torch_cls, ours_cls, hidden in ((nn.LSTM, LSTM, H), (nn.GRU, GRU, H), (nn.GRU, GRU, H_equal)):
        reference = torch_cls(I, hidden, batch_first=True)
        ours = ours_cls.from_torch(reference)
        name = f"{torch_cls.__name__} {hidden}"
        runs[f"torch {name}"] = backward_of(lambda m=reference: m(x)[0])
        runs[f"companion {name}"] = backward_of(lambda m=ours: m(x)[0])
    medians = interleaved_medians(runs, repeats)
    print(f"forward+backward, T={T} B={B} I={I}, fp32, 2 threads, median of {repeats} rounds")
    for name, median in medians.items():
        print(f"  {name:22s} {median * 1e3:8.2f} ms")
    if args.save:
        settings = {"T": T, "B": B, "I": I, "H": H, "H_equal_budget": H_equal, "repeats": repeats}
        print("saved", save_record("lstm_vs_gru_timing", medians, f"torch LSTM {H}", settings))


def adding(args: argparse.Namespace) -> None:
    cfg = ADDING
    results = {}
    for length in cfg["lengths"]:
        for name, build in models(2, cfg["hidden"], 1, cfg["forget_bias"]).items():
            for seed in cfg["seeds"]:
                seed_everything(seed)
                model = build()
                history, test_mse = train_on_adding(
                    model, length, cfg["max_steps"], cfg["lr"], seed=seed,
                    stop_below=cfg["target_mse"], check_every=cfg["check_every"])
                solved = history.stopped_early
                results[f"{name} | T={length} | seed={seed}"] = {
                    "model": name, "T": length, "seed": seed, "solved": solved,
                    "steps": len(history.loss), "test_mse": round(test_mse, 5),
                    "seconds": round(history.seconds, 1)}
                print(f"T={length:3d} {name:8s} seed {seed}: "
                      f"{'solved at' if solved else 'not solved,'} {len(history.loss)} steps, "
                      f"test MSE {test_mse:.4f} ({history.seconds:.0f} s)", flush=True)
    if args.save:
        print("saved", save_results("lstm_vs_gru_adding", results, cfg))


def digits(args: argparse.Namespace) -> None:
    cfg = DIGITS
    x_train, y_train, x_test, y_test = digits_sequences()
    results = {}
    for per_class in cfg["per_class"]:
        for name, build in models(8, cfg["hidden"], 10).items():
            for seed in cfg["seeds"]:
                rows = balanced_subset(y_train, per_class, seed)
                seed_everything(seed)
                model = build()
                train_classifier(model, x_train[rows], y_train[rows], cfg["steps"], cfg["lr"],
                                 batch_size=cfg["batch_size"], seed=seed)
                train_acc = accuracy(model, x_train[rows], y_train[rows])
                test_acc = accuracy(model, x_test, y_test)
                results[f"{name} | {per_class} per class | seed={seed}"] = {
                    "model": name, "per_class": per_class, "train_size": len(rows),
                    "seed": seed, "train_accuracy": round(train_acc, 4),
                    "test_accuracy": round(test_acc, 4)}
                print(f"{per_class:3d} per class {name:8s} seed {seed}: train {train_acc:.3f} "
                      f"test {test_acc:.3f}", flush=True)
    if args.save:
        print("saved", save_results("lstm_vs_gru_digits", results, cfg))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["timing", "adding", "digits"], required=True)
    args = start(parser.description, chapter=4, parser=parser)
    {"timing": timing, "adding": adding, "digits": digits}[args.part](args)


if __name__ == "__main__":
    main()
