"""Values compared across sources: phone numbers, addresses and bank accounts, each as one normal form.

Two sources that write the same number differently (``+86 138-0013-8000`` and ``13800138000``) name the same
:class:`Phone` node.  Each normaliser has a scalar form (``norm_phone``) and a whole-column form (``phones``)
that gives, row for row, what the scalar gives.  :data:`CLEANERS` names the column forms for graph mappings
(``Col("phone", "phone")``, see graphaudit.ingest.mapping).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphaudit.ingest.columns import map_unique, to_str_series

__all__ = ["norm_phone", "norm_address", "norm_account", "phones", "addresses", "accounts", "CLEANERS"]


def norm_phone(v: object) -> str:
    """Digits of a phone number without a +86/0086 prefix; '' when it has fewer than 7 digits."""
    d = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(v or "")))
    for prefix in ("0086", "86"):
        if d.startswith(prefix) and len(d) - len(prefix) == 11:
            d = d[len(prefix) :]
    return d if len(d) >= 7 else ""


def norm_address(v: object) -> str:
    """An address compared as written, without white space or full-width forms."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(v or "")))


def norm_account(v: object) -> str:
    """A bank account number as letters and digits only."""
    return re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", str(v or ""))).upper()


# Text that NFKC leaves as it is: ASCII, the middle dot and CJK Unified Ideographs (no decompositions).
_NFKC_STABLE = r"^[\x00-\x7f\x{b7}\x{4e00}-\x{9fff}]*$"


def _text_column(
    values: pd.Series | list[object],
    fast: Callable[[pa.Array], pa.Array],
    fn: Callable[[object], str],
    stable: str = "ascii",
) -> pd.Series:
    """``fn`` of every cell as a "str" Series: ``fast`` computes it for the whole column at once where NFKC
    leaves a cell as it is (ASCII; also Chinese characters when ``stable`` is "cjk"), ``fn`` itself the rest,
    once per distinct value."""
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    try:
        arr = pa.array(
            s.to_numpy(dtype=object) if s.dtype == object else s.array, pa.large_string(), from_pandas=True
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # cells that are not text: the scalar function, per value
        return pd.Series(map_unique(s, fn).tolist(), index=s.index, dtype="str")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    easy = pc.string_is_ascii(arr) if stable == "ascii" else pc.match_substring_regex(arr, _NFKC_STABLE)
    slow = ~np.asarray(easy.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    out = fast(arr.fill_null(""))
    if slow.any():
        rest = np.flatnonzero(slow)
        fixed = map_unique(pd.Series(arr.take(pa.array(rest)).to_pylist(), dtype=object), fn)
        out = pc.replace_with_mask(out, pa.array(slow), pa.array(fixed.tolist(), pa.large_string()))
    return to_str_series(out, s.index)


def _phones_fast(arr: pa.Array) -> pa.Array:
    d = pc.replace_substring_regex(arr, r"[^0-9]", "")
    n = pc.binary_length(d)
    d = pc.if_else(
        pc.and_(pc.starts_with(d, "0086"), pc.equal(n, 15)),
        pc.utf8_slice_codeunits(d, 4),
        pc.if_else(pc.and_(pc.starts_with(d, "86"), pc.equal(n, 13)), pc.utf8_slice_codeunits(d, 2), d),
    )
    return pc.if_else(pc.greater_equal(pc.binary_length(d), 7), d, pa.scalar("", pa.large_string()))


def phones(values: pd.Series) -> pd.Series:
    """:func:`norm_phone` of every cell."""
    return _text_column(values, _phones_fast, norm_phone)


def addresses(values: pd.Series) -> pd.Series:
    """:func:`norm_address` of every cell."""
    return _text_column(
        values,
        lambda a: pc.replace_substring_regex(a, r"[\t\n\x0b\x0c\r\x1c-\x1f ]+", ""),
        norm_address,
        stable="cjk",
    )


def accounts(values: pd.Series) -> pd.Series:
    """:func:`norm_account` of every cell."""
    return _text_column(
        values, lambda a: pc.utf8_upper(pc.replace_substring_regex(a, r"[^0-9A-Za-z]", "")), norm_account
    )


#: The whole-column normalisers by the name a mapping's ``Col(..., clean=name)`` gives.
CLEANERS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "phone": phones,
    "address": addresses,
    "account": accounts,
}
