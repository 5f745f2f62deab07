"""How long the grader takes for a class: N submissions of one chapter, graded with --jobs.

    .venv/bin/python -m benchmarks.grading_speed            # 30 lstm submissions, 2 jobs

The class is made from the chapter's student copy: most correct, some wrong, some untouched.
The course's goal is 30 submissions in at most 2 minutes on 2 cores; the script prints the
time of a first run and of a re-run (which skips the unchanged submissions).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from companion.grading.gradebook import grade_folder
from companion.grading.release import chapter_path, student_copy

ANSWERS = {  # what a student writes in place of `raise NotImplementedError`, per assignment
    "lstm": ("    pre = torch.cat([h_prev, x_t], dim=1) @ W + b\n"
             "    f, i, C_new, o = pre.chunk(4, dim=1)\n"
             "    C = torch.sigmoid(f) * C_prev + torch.sigmoid(i) * torch.tanh(C_new)\n"
             "    return torch.sigmoid(o) * torch.tanh(C), C"),
    "rnn_basics": "    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b)",
    "bptt": ("    da = dh * (1 - h ** 2)\n    return {'x': da @ W_xh.T, 'h_prev': da @ W_hh.T, "
             "'W_xh': x_t.T @ da, 'W_hh': h_prev.T @ da, 'b': da.sum(axis=0)}"),
}
TODO = "    # Your code here.\n    raise NotImplementedError"


def make_class(assignment: str, folder: Path, count: int) -> None:
    import jupytext
    blank = jupytext.writes(student_copy(chapter_path(assignment).read_text()), fmt="md:myst")
    right = blank.replace(TODO, ANSWERS[assignment])
    wrong = right.replace(" + b", "")  # forgets the bias
    for k in range(count):
        text = blank if k % 6 == 5 else wrong if k % 6 == 4 else right
        (folder / f"student{k:02d}.md").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="lstm", choices=sorted(ANSWERS))
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workspace:
        submissions, out = Path(workspace) / "submissions", Path(workspace) / "out"
        submissions.mkdir()
        make_class(args.assignment, submissions, args.count)
        started = time.perf_counter()
        results = grade_folder(args.assignment, submissions, out, jobs=args.jobs, progress=False)
        first = time.perf_counter() - started
        started = time.perf_counter()
        grade_folder(args.assignment, submissions, out, jobs=args.jobs, progress=False)
        rerun = time.perf_counter() - started
    per_student = statistics.median(r.seconds for r in results.values())
    full = sum(r.points == r.max_points for r in results.values())
    print(f"\n{args.count} {args.assignment} submissions, --jobs {args.jobs}: graded in {first:.1f} s "
          f"(goal <= 120 s), re-run with nothing changed {rerun:.1f} s; median {per_student:.2f} s "
          f"per submission; {full} with full marks")


if __name__ == "__main__":
    main()
