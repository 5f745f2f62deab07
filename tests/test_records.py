"""benchmarks.records: interleaving and medians on a fake clock; records stay honest."""
import datetime
import importlib.util
import json
from pathlib import Path

import pytest

from benchmarks import records


class FakeClock:
    """A clock that each run advances by a scripted amount."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_interleaved_medians_runs_in_rounds_and_takes_medians():
    clock, order = FakeClock(), []
    durations = {"a": iter([9, 9, 1, 2, 30]), "b": iter([9, 9, 5, 4, 6])}

    def run(name):
        def go():
            order.append(name)
            clock.now += next(durations[name])
        return go

    medians = records.interleaved_medians({"a": run("a"), "b": run("b")}, repeats=3, warmup=2,
                                         clock=clock)
    assert order == ["a", "b"] * 5  # interleaved, warm-up rounds included
    assert medians == {"a": 2, "b": 5}  # warm-up (9, 9) left out, median of the rest
    with pytest.raises(ValueError, match="repeats"):
        records.interleaved_medians({}, repeats=0)


def test_record_round_trip_and_staleness(tmp_path):
    path = records.save_record("demo", {"ref": 0.2, "ours": 0.3}, "ref", {"T": 5}, folder=tmp_path)
    record = records.load_record("demo", tmp_path)
    assert record["ratios"] == {"ref": 1.0, "ours": 1.5} and record["current"]
    assert record["date"] and record["machine"]["torch"] == records.torch.__version__
    for change in ({"code_sha256": "0" * 64}, {"settings": {"T": 6}},
                   {"measured_modules": ["companion.no_such_module"]}):
        path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
        assert not records.load_record("demo", tmp_path)["current"], change
        assert "changed since" in records.describe(records.load_record("demo", tmp_path))
        records.save_record("demo", {"ref": 0.2, "ours": 0.3}, "ref", {"T": 5}, folder=tmp_path)


def test_a_record_measures_every_companion_module_the_run_imported(tmp_path):
    import companion.lstm  # noqa: F401 (imports validation, padding, stack, layer in turn)

    records.save_results("demo", {}, {}, folder=tmp_path)
    modules = records.load_record("demo", tmp_path)["measured_modules"]
    assert {"companion.lstm", "companion.validation", "companion.padding"} <= set(modules)
    assert "benchmarks.records" not in modules


def test_comments_and_docstrings_do_not_stale_a_record_but_code_does():
    source = Path(importlib.util.find_spec("companion.gru").origin).read_text()
    fingerprint = records.code_fingerprint(source)
    commented = source.replace('"""Gated Recurrent Unit', '"""A reworded docstring. Gated Recurrent Unit')
    commented = commented.replace("import math\n", "import math  # a new comment\n\n")
    assert commented != source and records.code_fingerprint(commented) == fingerprint
    changed = source.replace("nn.init.uniform_(parameter, -bound, bound)",
                             "nn.init.uniform_(parameter, -bound, 2 * bound)")
    assert changed != source and records.code_fingerprint(changed) != fingerprint


def test_the_cpp_source_beside_a_module_is_part_of_what_a_record_measured(tmp_path, monkeypatch):
    """companion/lstm_native.cpp runs in every LSTM: a change to it stales a record as a change
    to Python code does, and a module without C++ beside it is hashed as before."""
    package = tmp_path / "fakepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "kernel.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    modules = ["fakepkg.kernel"]
    without_cpp = records.code_digest(modules, {}, "2.13.0")
    (package / "kernel.cpp").write_text("int f() { return 1; }\n")
    with_cpp = records.code_digest(modules, {}, "2.13.0")
    (package / "kernel.cpp").write_text("int f() { return 2; }\n")
    assert len({without_cpp, with_cpp, records.code_digest(modules, {}, "2.13.0")}) == 3


@pytest.mark.parametrize("name", sorted(p.stem for p in records.RECORDS.glob("*.json")))
def test_committed_benchmark_records_measured_the_current_code(name):
    """A record quoted by a chapter must describe today's code: rerun the benchmark if not."""
    record = records.load_record(name)
    assert record["current"], (
        f"benchmarks/results/{name}.json measured an older {record['measured_modules']}; "
        f"rerun: {record['command']}")


@pytest.mark.parametrize("name", sorted(p.stem for p in records.RECORDS.glob("*.json")))
def test_committed_records_say_how_when_and_where_they_were_made(name):
    record = records.load_record(name)
    command = record["command"]
    assert command.startswith(".venv/bin/python -m benchmarks.") and "--save" in command
    script = command.split()[2].removeprefix("benchmarks.")
    assert (records.RECORDS.parent / f"{script}.py").exists(), command
    datetime.datetime.fromisoformat(record["date"])
    assert {"processor", "cpu_count", "python", "torch", "threads"} <= set(record["machine"])
    assert ("medians_ms" in record and record["reference"] in record["ratios"]) or "results" in record


def test_results_record_round_trip(tmp_path):
    records.save_results("seeds", {"0": 0.5}, {"steps": 3}, folder=tmp_path)
    record = records.load_record("seeds", tmp_path)
    assert record["results"] == {"0": 0.5} and record["settings"] == {"steps": 3}
    assert record["current"]


def test_lstm_vs_gru_records_hold_every_run_the_script_makes():
    """Chapter 4 loads these three records: each must be complete for the script's settings."""
    from benchmarks.lstm_vs_gru import ADDING, DIGITS

    adding = records.load_record("lstm_vs_gru_adding")
    assert adding["settings"] == ADDING and adding["command"].endswith("--part adding --save")
    runs = list(adding["results"].values())
    assert len(runs) == 3 * len(ADDING["lengths"]) * len(ADDING["seeds"])
    assert {(r["T"], r["seed"]) for r in runs} == {(t, s) for t in ADDING["lengths"] for s in ADDING["seeds"]}
    for run in runs:
        assert set(run) == {"model", "T", "seed", "solved", "steps", "test_mse", "seconds"}
        assert 1 <= run["steps"] <= ADDING["max_steps"]
        if run["solved"]:  # stopped at a validation check
            assert run["steps"] % ADDING["check_every"] == 0
        else:  # ran the whole budget
            assert run["steps"] == ADDING["max_steps"]

    digits = records.load_record("lstm_vs_gru_digits")
    assert digits["settings"] == DIGITS and digits["command"].endswith("--part digits --save")
    runs = list(digits["results"].values())
    assert len(runs) == 3 * len(DIGITS["per_class"]) * len(DIGITS["seeds"])
    for run in runs:
        assert run["train_size"] == 10 * run["per_class"]
        assert 0.0 <= run["test_accuracy"] <= 1.0 and 0.0 <= run["train_accuracy"] <= 1.0

    timed = records.load_record("lstm_vs_gru_timing")
    assert len(timed["medians_ms"]) == 6 and timed["command"].endswith("--part timing --save")
    assert all(value > 0 for value in timed["medians_ms"].values())


def test_describe_names_command_date_and_machine(tmp_path):
    records.save_results("demo", {"a": 1}, {}, folder=tmp_path)
    record = records.load_record("demo", tmp_path)
    line = records.describe(record)
    assert record["command"] in line and record["date"][:10] in line
    assert f"{record['machine']['threads']} threads" in line and "changed since" not in line
