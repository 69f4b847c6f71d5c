"""The disposal of a case (graphaudit.cases.disposal): its current state and steps, the steps themselves
(处置方式, 交办, 反馈 with attached files, 审核反馈, 销号), an attached file, and the overdue hand-offs.

Roles (graphaudit.api.roles): ``handoff`` decides the method, hands off and reviews the feedback; ``feedback``
enters the feedback; ``close`` closes.  Every step is written to the audit log and the case history."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field

from graphaudit.api.auth import Caller, require
from graphaudit.api.roles import Permission
from graphaudit.cases.disposal import FORMS, MAX_FILES, Attachment, DisposalError, DisposalStore, Method
from graphaudit.cases.store import CaseStore

__all__ = ["router"]

router = APIRouter(tags=["disposal 处置"])


class DisposeRequest(BaseModel):
    """确定处置方式."""

    method: Method
    comment: str = Field("", max_length=2000)


class HandoffRequest(BaseModel):
    """交办 to a department or township, feedback due by ``due``."""

    to: str = Field(min_length=1, max_length=200, description="承办单位")
    due: date = Field(description="反馈期限")
    note: str = Field("", max_length=2000, description="交办要求")


class FileIn(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    content_base64: str = Field(
        pattern=r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
        description="文件内容（base64）",
    )


class FeedbackRequest(BaseModel):
    """反馈: 核实情况, 清退人数, 追缴金额, 整改措施 and attached files."""

    facts: str = Field(min_length=1, max_length=5000, description="核实情况")
    removed: int = Field(0, ge=0, description="清退人数")
    recovered: float = Field(0.0, ge=0, description="追缴金额（元）")
    measures: str = Field("", max_length=5000, description="整改措施")
    files: list[FileIn] = Field(default_factory=list, max_length=MAX_FILES)


class FeedbackReviewRequest(BaseModel):
    accept: bool = Field(description="true 审核通过；false 退回重新核查（须填理由）")
    comment: str = Field("", max_length=2000)


class CloseRequest(BaseModel):
    form: str = Field(description="处理结果：" + "、".join(FORMS))
    recovered: float | None = Field(None, ge=0, description="追缴金额（元），默认取反馈的金额")
    comment: str = Field("", max_length=2000)


def _live(caller: Caller, case_id: str, tail: str) -> str | RedirectResponse:
    live = CaseStore(caller.svc.state).resolve(case_id)
    if live is None:
        raise HTTPException(404, f"没有这条线索 no case {case_id!r}")
    if live != case_id:
        return RedirectResponse(f"/api/cases/{live}/{tail}", status_code=307)
    return live


def _run(caller: Caller, case_id: str, tail: str, action: str, params: dict[str, Any], step: Any) -> Any:
    live = _live(caller, case_id, tail)
    if isinstance(live, RedirectResponse):
        return live
    caller.log(action, {"case_id": live, **params})
    try:
        return step(DisposalStore(caller.svc.state), live, caller.who.name, caller.who.token_id)
    except DisposalError as e:
        raise HTTPException(409, str(e)) from None


@router.get("/api/cases/{case_id}/disposal", summary="线索处置情况 A case's disposal")
def disposal_of(
    case_id: str, caller: Caller = Depends(require(Permission.read_findings, "case_disposal"))
) -> Any:
    """处置方式、阶段、交办、反馈、审核、销号，以及每一步的操作人和时间；当前用户可做的操作。"""
    live = _live(caller, case_id, "disposal")
    if isinstance(live, RedirectResponse):
        return live
    d = DisposalStore(caller.svc.state)
    return {
        "case_id": live,
        **d.current(live),
        "steps": d.steps(live),
        "forms": FORMS,
        "methods": [m.value for m in Method],
        "may": {p.value: caller.may(p) for p in (Permission.handoff, Permission.feedback, Permission.close)},
    }


@router.post("/api/cases/{case_id}/dispose", summary="确定处置方式 Decide the disposal method")
def dispose(case_id: str, body: DisposeRequest, caller: Caller = Depends(require(Permission.handoff))) -> Any:
    """确定处置方式：谈话函询、初步核实、暂存待查、予以了结（交办前可改）。409 once handed off."""
    return _run(
        caller, case_id, "dispose", "case_dispose", body.model_dump(mode="json"),
        lambda d, cid, by, tok: d.dispose(cid, body.method, body.comment, by, tok),
    )  # fmt: skip


@router.post("/api/cases/{case_id}/handoff", summary="交办 Hand a case off")
def handoff(case_id: str, body: HandoffRequest, caller: Caller = Depends(require(Permission.handoff))) -> Any:
    """交办到部门或乡镇，附反馈期限。409 if the case is not ready for a hand-off."""
    return _run(
        caller, case_id, "handoff", "case_handoff", body.model_dump(mode="json"),
        lambda d, cid, by, tok: d.handoff(cid, body.to, body.due, body.note, by, tok),
    )  # fmt: skip


@router.post("/api/cases/{case_id}/feedback", summary="录入反馈 Enter the feedback")
def feedback(
    case_id: str, body: FeedbackRequest, caller: Caller = Depends(require(Permission.feedback))
) -> Any:
    """核实情况、清退人数、追缴金额、整改措施及附件（base64；单个不超过 10 MB）。"""
    try:
        files = [Attachment(f.name, base64.b64decode(f.content_base64, validate=True)) for f in body.files]
    except (binascii.Error, ValueError):
        raise HTTPException(422, "附件内容不是有效的 base64") from None
    params = {**body.model_dump(mode="json", exclude={"files"}), "files": [f.name for f in body.files]}
    return _run(
        caller, case_id, "feedback", "case_feedback", params,
        lambda d, cid, by, tok: d.feedback(
            cid, facts=body.facts, removed=body.removed, recovered=body.recovered, measures=body.measures,
            files=files, by=by, token=tok,
        ),
    )  # fmt: skip


@router.post("/api/cases/{case_id}/feedback-review", summary="审核反馈 Review the feedback")
def feedback_review(
    case_id: str, body: FeedbackReviewRequest, caller: Caller = Depends(require(Permission.handoff))
) -> Any:
    """审核反馈：通过，或退回重新核查（须填理由，线索回到“已交办”）。409 without a feedback to review."""
    return _run(
        caller, case_id, "feedback-review", "case_feedback_review", body.model_dump(mode="json"),
        lambda d, cid, by, tok: d.review_feedback(cid, body.accept, body.comment, by, tok),
    )  # fmt: skip


@router.post("/api/cases/{case_id}/close", summary="销号 Close a case")
def close(case_id: str, body: CloseRequest, caller: Caller = Depends(require(Permission.close))) -> Any:
    """以四种形态记录处理结果和追缴金额后销号。409 before the feedback is accepted or the review concluded."""
    return _run(
        caller, case_id, "close", "case_close", body.model_dump(mode="json"),
        lambda d, cid, by, tok: d.close(cid, body.form, body.recovered, body.comment, by, tok),
    )  # fmt: skip


@router.get("/api/cases/{case_id}/files/{stored}", summary="反馈附件 An attached file")
def attached_file(
    case_id: str, stored: str, caller: Caller = Depends(require(Permission.read_findings, "case_file"))
) -> Any:
    """反馈所附的文件（作为下载）；名称见处置情况中的 ``feedback.files[].stored``。"""
    path = DisposalStore(caller.svc.state).file_path(case_id, stored)
    if path is None:
        raise HTTPException(404, "没有这个附件")
    return FileResponse(path, filename=path.name.split("-", 2)[-1], media_type="application/octet-stream")


@router.get("/api/disposal/overdue", summary="逾期未反馈的交办 Overdue hand-offs")
def overdue(caller: Caller = Depends(require(Permission.read_findings))) -> list[dict[str, Any]]:
    """已交办、超过反馈期限仍未反馈的线索，最早到期的在前。"""
    return DisposalStore(caller.svc.state).overdue()
