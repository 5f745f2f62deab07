"""Rewriting every built HTML page once the build has finished (used by the book's extensions
that fix what other extensions write)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def rewrite_built_pages(app, exception, fix: Callable[[str], str]) -> None:
    """Apply ``fix`` to every ``.html`` file of a finished HTML build, writing only what changed."""
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = fix(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
