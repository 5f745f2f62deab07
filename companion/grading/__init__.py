"""Instructor tools: student copies of the chapters, and a grader for untrusted submissions.

``python -m companion.grading release --out DIR`` and
``python -m companion.grading grade ASSIGNMENT SUBMISSIONS_DIR --out OUT_DIR``; see the
instructor guide in the book, and :mod:`companion.grading.sandbox` for what isolates a submission.
"""
