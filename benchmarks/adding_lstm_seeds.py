"""Is chapter 3's adding-problem result luck? Train its recipe on several seeds and print each test MSE.

The recipe is the chapter's: ``ManyToOne(2, 32, 1, layer=LSTM)`` with the forget bias set to
``--forget-bias``, trained by ``companion.data.memory_tasks.train_on_adding`` at T = 100. Each seed changes
both the initial weights and the training batches. Expect a few minutes on 2 cores.

    .venv/bin/python -m benchmarks.adding_lstm_seeds [--save] [--seeds 0 1 2 3 4] [--steps 600]
"""
from __future__ import annotations

import argparse

import torch

from companion.data.memory_tasks import ADDING_BASELINE_MSE
from companion.lstm import LSTM
from companion.rnn_types import ManyToOne
from benchmarks.records import save_results
from companion.data.memory_tasks import train_on_adding
from companion.train import seed_everything

CHAPTER_RECIPE = {"hidden": 32, "steps": 600, "lr": 0.02, "forget_bias": 1.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--save", action="store_true", help="save for chapter 3 to quote")
    for name, default in CHAPTER_RECIPE.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = parser.parse_args()
    torch.set_num_threads(2)
    print(f"adding problem, T = 100, baseline MSE {ADDING_BASELINE_MSE:.3f}; recipe {vars(args)}")
    results = {}
    for seed in args.seeds:
        seed_everything(seed)
        model = ManyToOne(2, args.hidden, 1, layer=LSTM)
        with torch.no_grad():
            model.rnn.cell.b_f.fill_(args.forget_bias)
        history, results[seed] = train_on_adding(model, 100, args.steps, args.lr, seed=seed)
        print(f"  seed {seed}: test MSE {results[seed]:.4f}  ({history.seconds:.0f} s)")
    solved = sum(mse <= 0.01 for mse in results.values())
    print(f"{solved} of {len(results)} seeds reach test MSE <= 0.01")
    if args.save:
        settings = {k: v for k, v in vars(args).items() if k != "save"}
        print("saved", save_results("adding_lstm_seeds", results, settings))


if __name__ == "__main__":
    main()
