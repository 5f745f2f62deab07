"""Command line: ``python -m companion.grading release|grade ...`` (``--help`` for the options)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.grading.edition import write_sources
from companion.grading.gradebook import grade_folder
from companion.grading.release import release
from companion.grading.sandbox import Limits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m companion.grading", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    out_help = "folder for the student copies"
    release_parser = commands.add_parser("release", help="write student copies of every chapter")
    release_parser.add_argument("--out", type=Path, required=True, help=out_help)
    release_parser.add_argument("--book", type=Path, default=Path("book"),
                                help="folder of the chapters (default: book, from the repository)")
    edition = commands.add_parser("edition", help="write the student edition's book sources")
    edition.add_argument("--root", type=Path, default=Path("."), help="folder with _config.yml and _toc.yml")
    edition.add_argument("--book", type=Path, default=Path("book"), help="folder of the chapters")
    edition.add_argument("--cache", type=Path, default=Path("_build/.jupyter_cache"),
                         help="the full build's execution cache (default: _build/.jupyter_cache)")
    edition.add_argument("--out", type=Path, required=True, help="folder for the student edition's sources")
    edition.add_argument("--link", action="append", default=[], help="a folder beside the book to link in")
    edition.add_argument("--instructor-only", action="append", default=[],
                         help="a page of the book that the student edition replaces by a stub")
    grade = commands.add_parser("grade", help="grade a folder of submissions into a gradebook")
    grade.add_argument("assignment", help="chapter id, such as rnn_basics, bptt or lstm")
    grade.add_argument("submissions", type=Path, help="folder with one NAME.ipynb or NAME.md per student")
    grade.add_argument("--out", type=Path, required=True, help="receives gradebook.csv and feedback/")
    grade.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    grade.add_argument("--student", help="re-grade only this student")
    grade.add_argument("--force", action="store_true", help="re-grade unchanged submissions too")
    grade.add_argument("--roster", type=Path, help="CSV: file, name[, canvas_id, sis_user_id, sis_login_id, "
                       "section], one row per student, for canvas.csv")
    grade.add_argument("--canvas-title", help="the assignment's column name in canvas.csv (default: its id)")
    defaults = Limits()
    grade.add_argument("--timeout", type=float, default=defaults.timeout_s, help="wall-clock seconds per submission")
    grade.add_argument("--cpu", type=int, default=defaults.cpu_s, help="CPU seconds per submission")
    grade.add_argument("--memory-mb", type=int, default=defaults.memory_mb, help="address space per submission")
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            if not args.book.is_dir():
                raise ValueError(f"{args.book} is not a folder of chapters; pass --book")
            for path in release(args.out, args.book):
                print(path)
        elif args.command == "edition":
            if not (args.root / "_config.yml").is_file() or not args.book.is_dir():
                raise ValueError(f"{args.root} has no _config.yml or {args.book} is not a folder of chapters")
            for path in write_sources(args.root, args.book, args.cache, args.out, tuple(args.link),
                                      tuple(args.instructor_only)):
                print(path)
        else:
            limits = Limits(timeout_s=args.timeout, cpu_s=args.cpu, memory_mb=args.memory_mb)
            grade_folder(args.assignment, args.submissions, args.out, jobs=args.jobs,
                         student=args.student, force=args.force, limits=limits, roster=args.roster,
                         canvas_title=args.canvas_title)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
