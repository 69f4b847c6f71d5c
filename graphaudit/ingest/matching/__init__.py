"""People and companies named without a usable ID, matched by name in scopes (DOMAIN.md "Names without IDs").

Each *role* — a payment's recipient and approver, a contract's contractor and approver — is looked for in
scopes from narrow to wide, and the first scope that holds the name decides:

- recipient: the household, then the village (the register);
- approver: the cadres in office on the record's date in the record's organisation, then in its township
  (the township's case-workers), then in the whole county;
- contractor: a company (the company register and companies other contracts name by USCC), or, for a
  person's name, the register's people of the issuing village, then of its township, then of the county.

In a scope a name matches as written (``name``), else after folding traditional/variant characters and widths
(``variant``, graphaudit.ingest.names).  A unique match links, with ``matched_by`` and a ``match_score``
that drops with the width of the scope and the commonness of the name; below :data:`LINK` it is not linked
but waits for review, as does a name several people share (``ambiguous``) or a sound-alike (same pinyin with
tones, other characters) — never linked silently.  A reviewer's decision (:class:`Decisions`:
是同一人 / 不是 / 不确定) links (``review``) or removes a candidate.  What is not linked points at a
placeholder (``~scope:name``, ``registered = false``); every such row is in the load report with file, row
and column.

The resolved key goes into ``<role>_key`` (the recipient's into ``recipient_id``, as before), with
``<role>_matched_by`` and ``<role>_match_score``; the source's own columns are kept, so every load matches
again from what the files say.

The package: :mod:`~graphaudit.ingest.matching.candidates` (pools, scoring, :func:`match_name`, decisions),
:mod:`~graphaudit.ingest.matching.scopes` (the scopes drawn from the registers),
:mod:`~graphaudit.ingest.matching.linking` (:func:`resolve`: each role of a load's tables) and
:mod:`~graphaudit.ingest.matching.report` (counts, review items and issues for the load report).
"""

from __future__ import annotations

from graphaudit.ingest.matching.candidates import (
    DIFFERENT,
    HOW,
    LINK,
    LINKED,
    SAME,
    UNSURE,
    VERDICTS,
    Candidate,
    Decisions,
    Match,
    Pool,
    match_name,
)
from graphaudit.ingest.matching.linking import MATCH_COLUMNS, MATCHED, ROLES, by_id, resolve
from graphaudit.ingest.matching.report import ISSUE_CODE, SCOPE_ZH, MatchStats

__all__ = [
    "MATCH_COLUMNS",
    "MATCHED",
    "ROLES",
    "HOW",
    "LINK",
    "LINKED",
    "SAME",
    "DIFFERENT",
    "UNSURE",
    "VERDICTS",
    "ISSUE_CODE",
    "SCOPE_ZH",
    "Match",
    "Candidate",
    "Decisions",
    "MatchStats",
    "Pool",
    "by_id",
    "match_name",
    "resolve",
]
