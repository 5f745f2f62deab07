"""Chapter 5's ablations on the date-translation task, each at the chapter's training budget.

Trains the chapter's recipe (a GRU encoder-decoder with additive attention, teacher forcing 1.0)
and one change at a time: no attention; teacher-forcing ratios 0.5 and 0; a bidirectional
encoder. Each on two seeds, scored on the test set by greedy decoding, and the two main models
also by beam search. About 8 minutes on 2 cores.

    .venv/bin/python -m benchmarks.seq2seq_ablations [--save]
"""
from __future__ import annotations

from benchmarks.common import start
from companion.data.dates import date_splits, pair_tensors, vocab_for
from companion.applications.translator import evaluate, train_translator
from companion.seq2seq import Seq2Seq
from benchmarks.records import save_results
from companion.train import seed_everything

#: The chapter's recipe; each variant below changes one thing.
RECIPE = {"n_train": 20000, "n_val": 500, "n_test": 1000, "embed": 32, "hidden": 64,
          "steps": 600, "lr": 3e-3, "batch_size": 64, "beam_size": 3}
VARIANTS = {
    "attention": {"attention": True, "bidirectional": False, "teacher_forcing": 1.0},
    "no attention": {"attention": False, "bidirectional": False, "teacher_forcing": 1.0},
    "teacher forcing 0.5": {"attention": True, "bidirectional": False, "teacher_forcing": 0.5},
    "teacher forcing 0": {"attention": True, "bidirectional": False, "teacher_forcing": 0.0},
    "bidirectional encoder": {"attention": True, "bidirectional": True, "teacher_forcing": 1.0},
}
WITH_BEAM = ("attention", "no attention")
SEEDS = (0, 1)


def main() -> None:
    args = start(__doc__.splitlines()[0], chapter=5)
    splits = date_splits(RECIPE["n_train"], RECIPE["n_val"], RECIPE["n_test"], seed=0)
    vocab = vocab_for(splits)
    train = pair_tensors(splits["train"], vocab)
    results = {}
    for name, variant in VARIANTS.items():
        for seed in SEEDS:
            seed_everything(seed)
            model = Seq2Seq(len(vocab), RECIPE["embed"], RECIPE["hidden"],
                            attention=variant["attention"], bidirectional=variant["bidirectional"])
            history = train_translator(model, train, RECIPE["steps"], RECIPE["lr"],
                                       RECIPE["batch_size"], variant["teacher_forcing"], seed=seed)
            greedy = evaluate(model, splits["test"], vocab)
            entry = {"variant": name, "seed": seed, **variant,
                     "final_loss": round(sum(history.loss[-50:]) / 50, 5),
                     "seconds": round(history.seconds, 1),
                     "greedy_exact_match": round(greedy["exact_match"], 4),
                     "greedy_token_accuracy": round(greedy["token_accuracy"], 4)}
            if name in WITH_BEAM:
                beam = evaluate(model, splits["test"], vocab, beam_size=RECIPE["beam_size"])
                entry["beam_exact_match"] = round(beam["exact_match"], 4)
                entry["beam_token_accuracy"] = round(beam["token_accuracy"], 4)
            results[f"{name} | seed={seed}"] = entry
            print({k: v for k, v in entry.items() if k not in variant}, flush=True)
    if args.save:
        settings = {**RECIPE, "variants": VARIANTS, "seeds": list(SEEDS)}
        print("saved", save_results("seq2seq_ablations", results, settings))


if __name__ == "__main__":
    main()
