"""Drop repeated ``<script>`` tags from every built page.

sphinxcontrib-bibtex asks Sphinx to read the documents a second time, and sphinx-thebe and
sphinx-togglebutton register their inline scripts each time documents are read, so every page
would declare ``const THEBE_JS_URL`` twice: a JavaScript error in every reader's console. The
repeats are added by several extensions at several moments, so they are removed from the written
HTML when the build finishes: a line holding a whole ``<script>`` tag that already appeared
earlier in the same page is dropped.
"""
from __future__ import annotations

import re

from built_pages import rewrite_built_pages

SCRIPT_LINE = re.compile(r"^\s*<script\b.*</script>\s*$")


def dedupe_page(text: str) -> str:
    """The page without the second and later copies of any one-line ``<script>`` tag."""
    seen, kept = set(), []
    for line in text.splitlines(keepends=True):
        if SCRIPT_LINE.match(line):
            if line.strip() in seen:
                continue
            seen.add(line.strip())
        kept.append(line)
    return "".join(kept)


def setup(app):
    app.connect("build-finished", lambda app, exception: rewrite_built_pages(app, exception, dedupe_page))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
