"""Data files the package ships, read with :mod:`importlib.resources` so a built wheel has them too.

- ``admin-divisions/``: China's provinces, cities, counties (areas) and townships (streets) with their codes,
  from modood/Administrative-divisions-of-China (2022-10-31, WTFPL, see its LICENSE);
- ``surnames/``: 1,074 surnames with relative frequencies, from wainshine/Chinese-Names-Corpus (Apache-2.0).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from importlib import resources

__all__ = ["data_rows", "data_text"]


def data_text(folder: str, name: str) -> str:
    """The text of a shipped data file, ``graphaudit/data/<folder>/<name>``."""
    return resources.files("graphaudit.data").joinpath(folder, name).read_text(encoding="utf-8")


def data_rows(folder: str, name: str) -> Iterator[dict[str, str]]:
    """The rows of a shipped CSV file as dicts keyed by its header."""
    yield from csv.DictReader(io.StringIO(data_text(folder, name)))
