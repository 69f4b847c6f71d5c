"""Check characters of the identifiers the generator writes (kept here so the generator stands alone).

- GB 11643 resident ID: 17 digits + ISO 7064 MOD 11-2 check character.
- GB 32100 unified social credit code (USCC): 17 characters + check character over a 31-character set.
- GB 11714 organisation code: 8 characters + check character (positions 9–17 of a USCC).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ID_WEIGHTS",
    "ID_MAP",
    "id_check_char",
    "is_valid_resident_id",
    "resident_ids",
    "USCC_CHARS",
    "USCC_WEIGHTS",
    "uscc_check_char",
    "is_valid_uscc",
    "org_code",
    "make_uscc",
]

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_MAP = "10X98765432"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def id_check_char(body17: str) -> str:
    """The GB 11643 check character of the first 17 digits of a resident ID."""
    return ID_MAP[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS)) % 11]


def is_valid_resident_id(value: str) -> bool:
    """True when ``value`` is 17 digits plus the right check character (lower-case x accepted)."""
    v = value.strip().upper()
    return len(v) == 18 and v[:17].isdigit() and id_check_char(v[:17]) == v[17]


def resident_ids(area: np.ndarray, ymd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Vectorised resident IDs from 6-digit area codes, yyyymmdd birth dates and 3-digit sequence numbers."""
    body = area.astype(np.int64) * 10**11 + ymd.astype(np.int64) * 1000 + seq.astype(np.int64)
    total = np.zeros(len(body), dtype=np.int64)
    for k, w in enumerate(ID_WEIGHTS):
        total += (body // 10 ** (16 - k)) % 10 * w
    check = np.array(list(ID_MAP))[total % 11]
    return np.char.add(np.char.zfill(body.astype(str), 17), check).astype(object)


def uscc_check_char(body17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a USCC."""
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(body17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - s % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    """True when ``value`` is 18 USCC characters with the right check character."""
    v = value.strip().upper()
    return len(v) == 18 and all(c in USCC_CHARS for c in v) and uscc_check_char(v[:17]) == v[17]


def _char_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_code(body8: str) -> str:
    """A 9-character GB 11714 organisation code: ``body8`` plus its check character."""
    c = 11 - sum(_char_value(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS)) % 11
    return body8 + ("X" if c == 10 else "0" if c == 11 else str(c))


def make_uscc(area6: str, body8: str, kind: str = "91") -> str:
    """A USCC: registration authority and kind (``91`` = enterprise), area code, organisation code, check."""
    body17 = kind + area6 + org_code(body8)
    return body17 + uscc_check_char(body17)
