"""Fix, in every built page, what the accessibility check (axe-core, WCAG 2.1 A and AA) finds
that the theme and the extensions write and no setting changes.

- **Link contrast in tinted boxes**: the theme's link blue (#176de8) on the light-blue background
  of exercise and note boxes (#ecf3ff) has a contrast of 4.29:1, under AA's 4.5:1 for body text;
  ``book/_static/accessible.css`` darkens links inside admonitions.
- **The bibliography's list role**: docutils writes the citation list as
  ``<div role="list">`` whose children are not list items (ARIA requires them to be), so a screen
  reader announces a malformed list; the role is dropped, and the entries keep their own
  ``doc-biblioentry`` role.
"""
from __future__ import annotations

from built_pages import rewrite_built_pages

CITATION_LIST = '<div role="list" class="citation-list">'


def fix_page(text: str) -> str:
    """The page with the citation list's role removed."""
    return text.replace(CITATION_LIST, '<div class="citation-list">')


def setup(app):
    app.add_css_file("accessible.css")
    app.connect("build-finished", lambda app, exception: rewrite_built_pages(app, exception, fix_page))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
