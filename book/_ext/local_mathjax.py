"""Serve MathJax from the built book itself, so equations render without internet access.

The files come from the PyPI package ``jupyter-server-mathjax`` (MathJax 2.7, Apache 2.0), which the
``book`` extra installs. When the HTML builder starts, they are copied to ``_static/mathjax`` of
the output, and ``mathjax_path`` (set in ``_config.yml``) points there.
"""
from __future__ import annotations

import shutil
from pathlib import Path


def _copy_mathjax(app) -> None:
    if app.builder.format != "html":
        return
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = Path(app.outdir) / "_static" / "mathjax"
    if not (target / "MathJax.js").exists():
        shutil.copytree(source, target, dirs_exist_ok=True)


def setup(app):
    app.connect("builder-inited", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
