"""Whether to draw progress bars: on for a person running a chapter, off for the book and CI.

Training (:func:`companion.train.fit`) and grading (:func:`companion.grading.gradebook.grade_folder`)
both ask :func:`show_progress_default`; it lives here, with no torch import, so that the grader
does not load the training loop to read one environment variable.
"""
from __future__ import annotations

import os


def show_progress_default() -> bool:
    """Whether :func:`fit` shows a progress bar when not told: not in CI, not when silenced."""
    return not os.environ.get("CI") and os.environ.get("COMPANION_PROGRESS", "1") != "0"
