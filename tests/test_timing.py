"""companion.timing: interleaving and medians on a fake clock; records stay honest."""
import datetime
import json

import pytest

from companion import timing


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

    medians = timing.interleaved_medians({"a": run("a"), "b": run("b")}, repeats=3, warmup=2,
                                         clock=clock)
    assert order == ["a", "b"] * 5  # interleaved, warm-up rounds included
    assert medians == {"a": 2, "b": 5}  # warm-up (9, 9) left out, median of the rest
    with pytest.raises(ValueError, match="repeats"):
        timing.interleaved_medians({}, repeats=0)


def test_record_round_trip_and_staleness(tmp_path, monkeypatch):
    monkeypatch.setattr(timing, "RECORDS", tmp_path)
    path = timing.save_record("demo", {"ref": 0.2, "ours": 0.3}, "ref", {"T": 5}, ("rnn",))
    record = timing.load_record("demo")
    assert record["ratios"] == {"ref": 1.0, "ours": 1.5} and record["current"]
    assert record["date"] and record["machine"]["torch"] == timing.torch.__version__
    stale = json.loads(path.read_text())
    stale["source_sha256"] = "0" * 64
    path.write_text(json.dumps(stale))
    assert not timing.load_record("demo")["current"]


@pytest.mark.parametrize("name", sorted(p.stem for p in timing.RECORDS.glob("*.json")))
def test_committed_benchmark_records_measured_the_current_code(name):
    """A record quoted by a chapter must describe today's code: rerun the benchmark if not."""
    record = timing.load_record(name)
    assert record["current"], (
        f"benchmarks/results/{name}.json measured an older {record['measured_modules']}; "
        f"rerun: {record['command']}")


@pytest.mark.parametrize("name", sorted(p.stem for p in timing.RECORDS.glob("*.json")))
def test_committed_records_say_how_when_and_where_they_were_made(name):
    record = timing.load_record(name)
    command = record["command"]
    assert command.startswith(".venv/bin/python -m benchmarks.") and "--save" in command
    script = command.split()[2].removeprefix("benchmarks.")
    assert (timing.REPO / "benchmarks" / f"{script}.py").exists(), command
    datetime.datetime.fromisoformat(record["date"])
    assert {"processor", "cpu_count", "python", "torch", "threads"} <= set(record["machine"])
    assert ("medians_ms" in record and record["reference"] in record["ratios"]) or "results" in record


def test_results_record_round_trip(tmp_path, monkeypatch):
    monkeypatch.setattr(timing, "RECORDS", tmp_path)
    timing.save_results("seeds", {"0": 0.5}, {"steps": 3}, ("data",))
    record = timing.load_record("seeds")
    assert record["results"] == {"0": 0.5} and record["settings"] == {"steps": 3}
    assert record["current"]


def test_lstm_vs_gru_records_hold_every_run_the_script_makes():
    """Chapter 4 loads these three records: each must be complete for the script's settings."""
    from benchmarks.lstm_vs_gru import ADDING, DIGITS

    adding = timing.load_record("lstm_vs_gru_adding")
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

    digits = timing.load_record("lstm_vs_gru_digits")
    assert digits["settings"] == DIGITS and digits["command"].endswith("--part digits --save")
    runs = list(digits["results"].values())
    assert len(runs) == 3 * len(DIGITS["per_class"]) * len(DIGITS["seeds"])
    for run in runs:
        assert run["train_size"] == 10 * run["per_class"]
        assert 0.0 <= run["test_accuracy"] <= 1.0 and 0.0 <= run["train_accuracy"] <= 1.0

    timed = timing.load_record("lstm_vs_gru_timing")
    assert len(timed["medians_ms"]) == 6 and timed["command"].endswith("--part timing --save")
    assert all(value > 0 for value in timed["medians_ms"].values())


def test_describe_names_command_date_and_machine(tmp_path, monkeypatch):
    monkeypatch.setattr(timing, "RECORDS", tmp_path)
    timing.save_results("demo", {"a": 1}, {}, ("data",))
    line = timing.describe(timing.load_record("demo"))
    record = timing.load_record("demo")
    assert record["command"] in line and record["date"][:10] in line
    assert f"{record['machine']['threads']} threads" in line
