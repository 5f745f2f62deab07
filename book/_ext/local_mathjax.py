"""Serve MathJax from the built book itself, so equations render without internet access.

The files come from the PyPI package ``django-static-mathjax`` (MathJax 3.2.2, Apache 2.0), which
the ``book`` extra installs. When the HTML builder starts, the parts Sphinx's default MathJax 3
set-up loads (the ``tex-mml-chtml`` component, its fonts, and the extensions, menu and
accessibility code it loads on demand) are copied to ``_static/mathjax``; ``mathjax_path`` in
``_config.yml`` points there.
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

COMPONENT = "tex-mml-chtml.js"
ON_DEMAND = ("input", "output", "ui", "a11y", "sre", "adaptors")


def _copy_mathjax(app) -> None:
    if app.builder.format != "html":
        return
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the book needs MathJax files: pip install django-static-mathjax")
    source = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    target = Path(app.outdir) / "_static" / "mathjax"
    if (target / COMPONENT).exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / COMPONENT, target / COMPONENT)
    for folder in ON_DEMAND:
        if (source / folder).is_dir():
            shutil.copytree(source / folder, target / folder, dirs_exist_ok=True)


def setup(app):
    app.connect("builder-inited", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
