"""The web pages: login, the case list (home), a case, a person's card, a household's page, the findings list,
a finding, the explorer — Jinja2 templates that fetch the API.

Templates and scripts live in ``graphaudit/web/`` (``templates/``, ``static/``, ``vendor/`` for vis-network);
nothing is loaded from outside this server.  The login form takes a token and sets it as an HttpOnly,
SameSite=Strict cookie; pages without a live cookie redirect to the form.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from graphaudit.api.auth import COOKIE, Caller, require
from graphaudit.api.context import Services, services
from graphaudit.api.reviews import NEXT, Status
from graphaudit.api.roles import Permission
from graphaudit.cases.disposal import Stage
from graphaudit.cases.store import CaseStore
from graphaudit.checks import CHECKS
from graphaudit.export import FORMATS
from graphaudit.model import MODEL

__all__ = ["router", "WEB"]

WEB = Path(__file__).resolve().parents[1] / "web"
STATIC = {"static": WEB / "static", "vendor": WEB / "vendor"}
templates = Jinja2Templates(directory=str(WEB / "templates"))
router = APIRouter(include_in_schema=False)
MEDIA = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


def _context(request: Request, caller: Caller, **extra: Any) -> dict[str, Any]:
    model = {
        "nodes": {k: {"zh": n.zh, "caption": n.caption, "color": n.color} for k, n in MODEL.nodes.items()},
        "relationships": {k: {"zh": r.zh, "kin": r.kin} for k, r in MODEL.rels.items()},
        "props": {**MODEL.property_zh, "note": "备注", "place": "地点"},
    }
    from graphaudit.api.records import places_of

    return {
        "request": request,
        "me": caller.describe(),
        "model_json": json.dumps(model, ensure_ascii=False),
        "places_json": json.dumps(places_of(caller).known(), ensure_ascii=False).replace("<", "\\u003c"),
        "checks": {k: c.title for k, c in CHECKS.items()},
        "export_formats": list(FORMATS.values()),
        "statuses": [s.value for s in Status],
        "stages": [s.value for s in Stage],
        "next_status": json.dumps({s.value: [t.value for t in NEXT[s]] for s in Status}, ensure_ascii=False),
        **extra,
    }


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/cases", error: str = "") -> Response:
    """The one public route: a form asking for the token."""
    return templates.TemplateResponse(request, "login.html", {"next": _safe_next(next), "error": error})


def _safe_next(target: str) -> str:
    return (
        target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/cases"
    )


@router.post("/login")
async def login(request: Request, svc: Services = Depends(services)) -> Response:
    """Check the token from the form; on success set the cookie and go on, else 401 with the form again."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    target = _safe_next((form.get("next") or ["/cases"])[0])
    who = await run_in_threadpool(svc.tokens.verify, token)
    if who is None:
        return templates.TemplateResponse(
            request, "login.html", {"next": target, "error": "令牌无效或已吊销"}, status_code=401
        )
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
    return resp


@router.post("/logout")
def logout(caller: Caller = Depends(require(Permission.explore))) -> Response:
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/")
def home(caller: Caller = Depends(require(Permission.explore))) -> Response:
    return RedirectResponse("/cases", status_code=303)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, caller: Caller = Depends(require(Permission.read_findings))) -> Response:
    return templates.TemplateResponse(request, "cases.html", _context(request, caller, page="cases"))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    case_id: str, request: Request, caller: Caller = Depends(require(Permission.read_findings))
) -> Response:
    """A case; an id absorbed by a merge leads to the case that absorbed it."""
    live = CaseStore(caller.svc.state).resolve(case_id)
    if live is None:
        return _missing(request, caller, f"没有这条线索：{case_id}")
    if live != case_id:
        return RedirectResponse(f"/cases/{live}?from={case_id}", status_code=303)
    return templates.TemplateResponse(
        request, "case.html", _context(request, caller, page="case", case_id=live)
    )


def _missing(request: Request, caller: Caller, message: str) -> Response:
    return templates.TemplateResponse(
        request, "missing.html", _context(request, caller, page="missing", message=message), status_code=404
    )


@router.get("/cockpit", response_class=HTMLResponse)
def cockpit_page(request: Request, caller: Caller = Depends(require(Permission.read_findings))) -> Response:
    """统计分析: charts of the cases (graphaudit.api.cockpit), each clickable into the filtered case list."""
    return templates.TemplateResponse(request, "cockpit.html", _context(request, caller, page="cockpit"))


@router.get("/findings", response_class=HTMLResponse)
def findings_page(request: Request, caller: Caller = Depends(require(Permission.read_findings))) -> Response:
    return templates.TemplateResponse(request, "findings.html", _context(request, caller, page="findings"))


@router.get("/findings/{finding_id}", response_class=HTMLResponse)
def finding_page(
    finding_id: str, request: Request, caller: Caller = Depends(require(Permission.read_findings))
) -> Response:
    if caller.svc.findings.get(finding_id) is None:
        case = CaseStore(caller.svc.state).of_finding(finding_id)
        if case is not None:  # an old link: the case the finding was folded into
            return RedirectResponse(f"/cases/{case}", status_code=303)
        return _missing(request, caller, f"没有这条检查发现：{finding_id}")
    return templates.TemplateResponse(
        request,
        "finding.html",
        _context(
            request,
            caller,
            page="finding",
            finding_id=finding_id,
            case_id=CaseStore(caller.svc.state).of_finding(finding_id),
        ),
    )


@router.get("/people/{ref}", response_class=HTMLResponse)
def person_page(
    ref: str, request: Request, caller: Caller = Depends(require(Permission.read_findings))
) -> Response:
    """一人一档: a person's card (graphaudit.api.people), reached from the search and every case page."""
    hit = caller.svc.refs.resolve(ref, caller.show_ids)
    if hit is None or hit[0] != "Person":
        return _missing(request, caller, "没有这个人，或链接已过期：请重新搜索")
    return templates.TemplateResponse(
        request, "person.html", _context(request, caller, page="person", ref=ref)
    )


@router.get("/households/{ref}", response_class=HTMLResponse)
def household_page(
    ref: str, request: Request, caller: Caller = Depends(require(Permission.read_findings))
) -> Response:
    """一户一档: a household's page (graphaudit.api.households), from the person card and case pages."""
    hit = caller.svc.refs.resolve(ref, caller.show_ids)
    if hit is None or hit[0] != "Household":
        return _missing(request, caller, "没有这一户，或链接已过期：请重新搜索")
    return templates.TemplateResponse(
        request, "household.html", _context(request, caller, page="household", ref=ref)
    )


@router.get("/explorer", response_class=HTMLResponse)
def explorer_page(request: Request, caller: Caller = Depends(require(Permission.explore))) -> Response:
    return templates.TemplateResponse(request, "explorer.html", _context(request, caller, page="explorer"))


@router.get("/static/{kind}/{name}")
def static_file(kind: str, name: str, caller: Caller = Depends(require(Permission.explore))) -> Response:
    """Scripts, styles and the vendored vis-network, to token holders only."""
    folder = STATIC.get(kind)
    path = (folder / name).resolve() if folder else None
    if (
        path is None
        or folder is None
        or path.parent != folder.resolve()
        or not path.is_file()
        or path.suffix not in MEDIA
    ):
        raise HTTPException(404, "not found")
    return FileResponse(
        path, media_type=MEDIA[path.suffix], headers={"Cache-Control": "private, max-age=300"}
    )
