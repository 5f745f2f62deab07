"""Where the tests find the repository's folders (the package itself never looks them up)."""
from pathlib import Path

from companion.grading import release

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = release.chapter_files(BOOK)
