"""Cases (线索): the list (filters, paging, sort), a case with its findings and evidence, and its review.

A case id absorbed by a merge answers with a redirect to the case that absorbed it (307, so a script's POST
follows too)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from graphaudit.api.auth import Caller, require
from graphaudit.api.findings import _path, evidence_graph, named_path, title
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import Edge, Graph, ReviewRequest
from graphaudit.cases.fold import BAND_BELOW, BAND_REACHED
from graphaudit.cases.review import CommentRequired, Status, TransitionError
from graphaudit.cases.store import CHANGES, SORTS, CaseStore
from graphaudit.checks import CHECKS
from graphaudit.findings import mask_id

__all__ = ["router", "cases_of", "BANDS"]

router = APIRouter(prefix="/api/cases", tags=["cases 线索"])

#: ?band= words.
BANDS = {"reached": BAND_REACHED, "below": BAND_BELOW}


class CaseReview(BaseModel):
    """核查记录 One review entry of a case."""

    model_config = {"populate_by_name": True}
    from_status: str = Field(alias="from")
    to: str
    comment: str
    by: str
    at: str


class CaseSummary(BaseModel):
    """线索 A case (DATA_CONTRACT.md §2 "Cases")."""

    case_id: str
    status: Status
    change: str = Field(description="较上次运行 新增 / 有变化 / 未变化 / 已消失")
    gone: bool
    checks: list[str]
    check_titles: list[str]
    finding_ids: list[str]
    record_ids: list[str]
    person_ids: list[str]
    amount: float = Field(description="涉及金额（元），记录不重复计")
    severity: int = Field(ge=0, le=100)
    org_code: str
    org_name: str
    explanation: str
    legal_basis: list[str] = Field(description="《中国共产党纪律处分条例》条款")
    money_band: str = Field(description="法释〔2016〕9号：可能达到刑事立案标准 / 未达刑事立案标准")
    band_note: str
    linked_cases: list[str] = Field(description="团伙线索所含的其他线索")
    first_seen: str
    last_changed: str
    reviews: list[CaseReview]


class CasePage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[CaseSummary]


class GroupTotals(BaseModel):
    """团伙线索的群体合计 A cluster case's whole group: its own and its linked cases' records, each counted
    once (the case's own ``amount`` is 0 when its records belong to the linked cases, so that totals over
    cases do not count them twice)."""

    amount: float = Field(description="群体涉及金额（元），记录不重复计")
    records: int = Field(description="群体记录笔数，不重复计")
    cases: int = Field(description="群体所含线索数（含本线索）")


class CaseDetail(BaseModel):
    """线索详情 A case, its history, its findings and the evidence of the finding shown."""

    case: CaseSummary
    aliases: list[str]
    history: list[dict[str, Any]]
    findings: list[dict[str, Any]] = Field(description="组成线索的检查发现（按严重程度）")
    finding_id: str | None = Field(description="证据图所示的发现")
    graph: Graph | None
    path_refs: list[str]
    path_edges: list[Edge]
    path: dict[str, Any] | None
    group: GroupTotals | None = Field(default=None, description="团伙线索：整个群体的金额和记录")


def group_totals(caller: Caller, case: dict[str, Any], found: list[Any]) -> GroupTotals | None:
    """The money and records of a cluster case's whole group: the records of its findings and of its linked
    cases (and theirs), each record once, its amount read from the store; None for a case with no group."""
    if not case["linked_cases"] and not any(f.check == "collusive_cluster" for f in found):
        return None
    store = cases_of(caller)
    ids = [*case["record_ids"], *(r for f in found for r in f.record_ids)]
    members = 1
    for cid in case["linked_cases"]:
        linked = store.get(store.resolve(cid) or cid)
        if linked is None:
            continue
        members += 1
        ids += linked["record_ids"]
        for fid in linked["finding_ids"]:
            f = caller.svc.findings.get(fid)
            ids += f.record_ids if f is not None else []
    unique = sorted(set(ids))
    amounts: dict[str, float] = {}
    if unique:
        for q in ("record_payments", "record_contracts"):
            for r in caller.svc.store.run_named(q, {"ids": unique}):
                amounts.setdefault(str(r["id"]), float(r["amount"] or 0))
    return GroupTotals(amount=round(sum(amounts.values()), 2), records=len(unique), cases=members)


def cases_of(caller: Caller) -> CaseStore:
    return CaseStore(caller.svc.state)


def _summary(case: dict[str, Any], show_ids: bool) -> CaseSummary:
    people = case["person_ids"] if show_ids else [mask_id(p) for p in case["person_ids"] or []]
    return CaseSummary(
        **{
            **case,
            "person_ids": people,
            "check_titles": [title(c) for c in case["checks"]],
            "reviews": [CaseReview(**r) for r in case.get("reviews", [])],
        }
    )


@router.get("", response_model=CasePage, summary="线索列表 List cases")
def list_cases(
    status: Annotated[Status | None, Query(description="核查状态")] = None,
    change: Annotated[
        str | None, Query(pattern="^(new|changed|unchanged|gone)$", description="较上次运行的变化")
    ] = None,
    check: Annotated[
        str | None, Query(pattern="^(" + "|".join(CHECKS) + ")$", description="含某项检查 check name")
    ] = None,
    org: Annotated[str | None, Query(pattern=r"^\d{1,12}$", description="单位代码（前缀）")] = None,
    band: Annotated[str | None, Query(pattern="^(reached|below)$", description="金额档次")] = None,
    stage: Annotated[
        str | None, Query(max_length=16, description="处置阶段（未处置、已交办、已销号……），或“逾期”")
    ] = None,
    month: Annotated[
        str | None, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="首次发现的月份")
    ] = None,
    sort: Annotated[
        str,
        Query(
            pattern="^(" + "|".join(s.replace("-", r"\-") for s in SORTS) + ")$",
            description="排序 -severity (default), severity, -amount, amount, org, -last_changed",
        ),
    ] = "-severity",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    caller: Caller = Depends(require(Permission.read_findings, "list_cases")),
) -> CasePage:
    """线索（归并后的检查发现），默认最严重的在前、已消失的在后；可按核查状态、变化、检查、单位、金额档次筛选。
    Cases (findings folded by subject), most severe first and gone ones last; filter by review status,
    change since the previous run, check, organisation (code prefix) and money band."""
    if check is not None and check not in CHECKS:
        raise HTTPException(422, f"未知检查 unknown check {check!r} (checks: {', '.join(CHECKS)})")
    total, rows = cases_of(caller).query(
        status=status.value if status else None,
        change=CHANGES[change] if change else None,
        check=check,
        org=org,
        band=BANDS[band] if band else None,
        stage=stage,
        month=month,
        sort=sort,
        offset=offset,
        limit=limit,
    )
    return CasePage(
        total=total, offset=offset, limit=limit, items=[_summary(r, caller.show_ids) for r in rows]
    )


@router.get("/summary", summary="线索统计 Counts of cases")
def cases_summary(caller: Caller = Depends(require(Permission.read_findings))) -> dict[str, Any]:
    """线索数：按核查状态、变化、金额档次；以及最近一次运行（时间、数据版本、运行人、各检查发现数）。"""
    return {**cases_of(caller).summary(), "last_run": caller.svc.findings.summary()["last_run"]}


@router.get("/{case_id}", response_model=CaseDetail, summary="线索详情 A case with its evidence")
def case_detail(
    case_id: str,
    finding: Annotated[
        str | None, Query(max_length=64, description="证据图显示的发现（默认最严重的）")
    ] = None,
    context: Annotated[int, Query(ge=0, le=200, description="路径外的邻居节点数")] = 12,
    caller: Caller = Depends(require(Permission.read_findings, "case_detail")),
) -> Any:
    """一条线索：说明、依据、金额档次、核查记录、变化历史、组成它的发现及其证据图。已并入其他线索的编号重定向到该线索。"""
    store = cases_of(caller)
    live = store.resolve(case_id)
    if live is None:
        raise HTTPException(404, f"没有这条线索 no case {case_id!r}")
    if live != case_id:
        return RedirectResponse(f"/api/cases/{live}", status_code=307)
    case = store.get(live)
    assert case is not None
    found = [f for f in (caller.svc.findings.get(fid) for fid in case["finding_ids"]) if f is not None]
    found.sort(key=lambda f: (-f.severity, f.check, f.finding_id))
    shown = next((f for f in found if f.finding_id == finding), found[0] if found else None)
    refs, edges = _path(caller, shown) if shown else ([], [])
    return CaseDetail(
        case=_summary(case, caller.show_ids),
        aliases=case["aliases"],
        history=case["history"],
        findings=[dict(f.to_dict(caller.show_ids), check_title=title(f.check)) for f in found],
        finding_id=shown.finding_id if shown else None,
        graph=evidence_graph(caller, shown, context) if shown else None,
        path_refs=refs,
        path_edges=edges,
        path=named_path(caller, shown.to_dict(caller.show_ids)["path"]) if shown else None,
        group=group_totals(caller, case, found),
    )


@router.post("/{case_id}/review", response_model=None, summary="设置线索核查状态 Review a case")
def review_case(
    case_id: str, body: ReviewRequest, caller: Caller = Depends(require(Permission.review))
) -> Any:
    """新线索 → 核查中 → 属实 / 不属实（结论需填写意见；已结论可退回核查中）。
    409 when the move is not allowed, 422 without a needed comment."""
    store = cases_of(caller)
    live = store.resolve(case_id)
    if live is None:
        raise HTTPException(404, f"没有这条线索 no case {case_id!r}")
    if live != case_id:
        return RedirectResponse(f"/api/cases/{live}/review", status_code=307)
    caller.log("review_case", {"case_id": live, "status": body.status.value, "comment": body.comment})
    try:
        return store.review(live, body.status, body.comment, caller.who.name, caller.who.token_id)
    except TransitionError as e:
        raise HTTPException(409, str(e)) from None
    except CommentRequired as e:
        raise HTTPException(422, str(e)) from None
