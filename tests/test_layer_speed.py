"""benchmarks.layer_speed: the shuffled rounds and the machine description its records carry."""
from benchmarks.layer_speed import SHAPES, instruction_set, shuffled_medians


def test_shuffled_rounds_vary_who_goes_first_and_who_goes_before_whom():
    calls = []
    runs = {name: (lambda name=name: calls.append(name)) for name in "abcd"}
    medians = shuffled_medians(runs, repeats=12, warmup=1)
    assert set(medians) == set("abcd") and all(seconds >= 0 for seconds in medians.values())
    rounds = [calls[k:k + 4] for k in range(4, len(calls), 4)]  # after the warm-up round
    assert len(rounds) == 12 and all(sorted(r) == list("abcd") for r in rounds)
    assert {r[0] for r in rounds} == set("abcd")
    for name in "abcd":
        before = {r[r.index(name) - 1] for r in rounds if r.index(name) > 0}
        assert len(before) >= 2, (name, rounds)


def test_the_record_names_the_cpu_and_the_libraries():
    isa = instruction_set()
    assert {"torch_cpu_capability", "avx2", "avx512f", "cpu_vendor", "onednn", "mkl"} <= set(isa)
    assert SHAPES["chapter"]["H"] == 32 and SHAPES["benchmark"]["H"] == 256
