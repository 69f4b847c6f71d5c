"""Roles and what each may do.

=============  ==========================================================================================
investigator   explore the graph, read findings (identifiers masked)
auditor        also run checks, set review status, decide a case's disposal, hand it off (交办), enter and
               review the feedback; sees resident IDs, accounts and phones unmasked
analyst        also export subgraphs (identifiers masked: exports leave the system) and enter feedback
admin          everything, identifiers unmasked; closes cases (销号); manages tokens, reads the audit log
=============  ==========================================================================================
"""

from __future__ import annotations

from enum import Enum

__all__ = ["Role", "Permission", "PERMISSIONS", "ROLE_ZH", "allowed"]


class Role(str, Enum):
    investigator = "investigator"
    auditor = "auditor"
    analyst = "analyst"
    admin = "admin"


class Permission(str, Enum):
    explore = "explore"
    read_findings = "read_findings"
    run_checks = "run_checks"
    review = "review"
    export = "export"
    see_ids = "see_ids"
    handoff = "handoff"  # 处置方式, 交办, 审核反馈
    feedback = "feedback"  # 录入反馈
    close = "close"  # 销号
    admin = "admin"


_P = Permission
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.investigator: frozenset({_P.explore, _P.read_findings}),
    Role.auditor: frozenset(
        {_P.explore, _P.read_findings, _P.run_checks, _P.review, _P.see_ids, _P.handoff, _P.feedback}
    ),
    Role.analyst: frozenset({_P.explore, _P.read_findings, _P.run_checks, _P.review, _P.export, _P.feedback}),
    Role.admin: frozenset(Permission),
}

ROLE_ZH = {Role.investigator: "调查员", Role.auditor: "审核员", Role.analyst: "分析员", Role.admin: "管理员"}


def allowed(role: Role | str, permission: Permission) -> bool:
    """Whether ``role`` has ``permission``."""
    return permission in PERMISSIONS[Role(role)]
