"""The book's own Sphinx extensions (book/_ext): script de-duplication, the accessibility fixes
and local MathJax."""
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import accessible_html  # noqa: E402
import dedupe_scripts  # noqa: E402
import local_mathjax  # noqa: E402


def test_repeated_script_lines_are_dropped_and_everything_else_kept():
    page = ("<head>\n  <script>const A = 1;</script>\n  <script src=\"x.js\"></script>\n"
            "  <script>const A = 1;</script>\n<p>text</p>\n<p>text</p>\n</head>\n")
    assert dedupe_scripts.dedupe_page(page) == (
        "<head>\n  <script>const A = 1;</script>\n  <script src=\"x.js\"></script>\n"
        "<p>text</p>\n<p>text</p>\n</head>\n")


def test_the_mathjax_component_the_config_names_is_installed():
    spec = importlib.util.find_spec("mathjax")
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    assert (es5 / local_mathjax.COMPONENT).exists()
    assert f'mathjax_path: "mathjax/{local_mathjax.COMPONENT}"' in (ROOT / "_config.yml").read_text()
    for folder in ("input", "output", "ui", "a11y"):
        assert (es5 / folder).is_dir()


def test_the_citation_list_loses_its_list_role_and_nothing_else_changes():
    page = ('<div role="list" class="citation-list">\n<div class="citation" role="doc-biblioentry">'
            '</div>\n</div>\n<div role="list" class="other">')
    assert accessible_html.fix_page(page) == (
        '<div class="citation-list">\n<div class="citation" role="doc-biblioentry"></div>\n</div>\n'
        '<div role="list" class="other">')
