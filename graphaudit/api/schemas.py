"""Response and request models of the API (they document it in OpenAPI, 中文 and English).  The check names
and export formats they accept come from the registries (:data:`graphaudit.checks.CHECKS`,
:data:`graphaudit.export.FORMATS`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from graphaudit.api.reviews import Status
from graphaudit.api.roles import Role
from graphaudit.checks import CHECKS, Check
from graphaudit.export import FORMATS

#: The export format names, as a regular expression for query parameters and request bodies.
FORMAT_PATTERN = "^(" + "|".join(FORMATS) + ")$"


def _known_check(name: str) -> str:
    if name not in CHECKS:
        raise ValueError(f"未知检查 unknown check {name!r} (checks: {', '.join(CHECKS)})")
    return name


#: A check's name: one of the registry's (an enum in OpenAPI).
CheckName = Annotated[
    str, AfterValidator(_known_check), Field(json_schema_extra={"enum": list(CHECKS)}, description="检查名")
]


class Node(BaseModel):
    """图节点 A node: send ``ref`` back to expand it."""

    ref: str = Field(description="节点引用 node reference (opaque when the id is masked)")
    label: str = Field(description="标签 label, e.g. Person")
    label_zh: str = Field(description="标签中文名 Chinese label name, e.g. 人员")
    id: str = Field(description="标识 id (masked unless the role may see identifiers)")
    caption: str = Field(description="显示名 caption (model.yaml)")
    props: dict[str, Any] = Field(description="属性 properties (identifiers masked as above)")
    hop: int | None = Field(None, description="距中心跳数 hops from the centre (neighbourhood only)")


class Edge(BaseModel):
    """图关系 A relationship, its endpoints named by ref."""

    model_config = ConfigDict(populate_by_name=True)
    source: str = Field(alias="from", description="起点引用 start node ref")
    to: str = Field(description="终点引用 end node ref")
    type: str = Field(description="关系类型 relationship type")
    type_zh: str = Field(description="关系中文名 Chinese name")
    props: dict[str, Any] = Field(description="属性 properties")


class Graph(BaseModel):
    """子图 A subgraph."""

    nodes: list[Node]
    edges: list[Edge]


class SearchPage(BaseModel):
    """搜索结果 Search results, best match first (exact id, exact name, then containing)."""

    q: str
    items: list[Node]
    offset: int
    limit: int
    has_more: bool = Field(description="还有更多 more results after this page")


class Neighbourhood(BaseModel):
    """邻域（分页） One page of a node's neighbourhood: nodes ordered by hops, label and caption; edges among
    the nodes of this and earlier pages that touch this page (pages add up to the whole neighbourhood)."""

    center: Node
    nodes: list[Node]
    edges: list[Edge]
    total: int = Field(description="邻域节点总数 nodes in the neighbourhood (without the centre)")
    offset: int
    limit: int
    truncated: bool = Field(description="邻域超过上限被截断 the walk stopped at its node cap")
    hubs: list[str] = Field(
        default_factory=list,
        description="枢纽节点（关系超过500条，未穿越） refs of hubs met but not walked through",
    )


class Review(BaseModel):
    """核查状态 Review status of a finding."""

    status: Status
    comment: str = ""
    by: str | None = None
    at: str | None = None


class ReviewChange(BaseModel):
    """状态变更记录 One change of review status."""

    model_config = ConfigDict(populate_by_name=True)
    from_status: Status = Field(alias="from")
    to: Status
    comment: str
    by: str
    at: str


class ReviewRequest(BaseModel):
    """设置核查状态 Set a finding's review status (新线索 → 核查中 → 属实 / 不属实)."""

    status: Status
    comment: str = Field("", max_length=2000, description="核查意见 comment (required for 属实 / 不属实)")


class FindingSummary(BaseModel):
    """线索摘要 A finding in the list."""

    finding_id: str
    check: str
    check_title: str = Field(description="检查名称 the check's Chinese title")
    severity: int = Field(ge=0, le=100, description="严重程度 0–100")
    amount: float = Field(description="涉及金额（元） money at risk, yuan")
    org_code: str
    org_name: str = Field("", description="单位名称：乡镇 村 (graphaudit.places); empty when unknown")
    explanation: str
    person_ids: list[str]
    record_ids: list[str]
    status: Status


class FindingPage(BaseModel):
    """线索列表 One page of findings."""

    total: int
    offset: int
    limit: int
    items: list[FindingSummary]


class FindingDetail(BaseModel):
    """线索详情 A finding with its evidence: the path, the evidence subgraph and the review history."""

    finding: dict[str, Any] = Field(
        description="DATA_CONTRACT §2 fields plus details (identifiers masked per role)"
    )
    check_title: str
    org_name: str = Field("", description="单位名称：乡镇 村 (graphaudit.places)")
    review: Review
    history: list[ReviewChange]
    graph: Graph = Field(
        description="证据子图 evidence subgraph: the path's nodes, their relationships, context"
    )
    path_refs: list[str] = Field(description="证据路径节点 refs of the path's nodes, in order")
    path_edges: list[Edge] = Field(description="证据路径关系 the path's relationships, in order")


class CheckParam(BaseModel):
    name: str
    type: str
    default: Any
    help: str
    min: float | None = None
    max: float | None = None


class LegalBasisInfo(BaseModel):
    """依据 The article a finding of a check may breach."""

    citation: str = Field(description="条文 e.g. 《中国共产党纪律处分条例》（2023年修订）第一百二十四条")
    article: int
    gist: str = Field(description="要旨 the article's gist (a summary, not a quotation)")


class CheckInfo(BaseModel):
    """检查 A check and its parameters."""

    name: str
    title: str
    description: str
    params: list[CheckParam]
    base: float = Field(description="基础分 base severity points (the severity formula)")
    legal_basis: LegalBasisInfo
    fund_kind: str = Field(description="资金类别 relief (救助补贴资金), other (工程合同等其他资金) or mixed")
    fund_kind_zh: str

    @classmethod
    def of(cls, c: Check) -> CheckInfo:
        """The API's view of a check's declaration."""
        lb = c.legal_basis
        return cls(
            name=c.name,
            title=c.title,
            description=c.description,
            params=[
                CheckParam(
                    name=p.name, type=p.type.__name__, default=p.default, help=p.help, min=p.min, max=p.max
                )
                for p in c.all_params
            ],
            base=c.base,
            legal_basis=LegalBasisInfo(citation=lb.citation, article=lb.article, gist=lb.gist),
            fund_kind=c.fund_kind.value,
            fund_kind_zh=c.fund_kind.zh,
        )


class RunRequest(BaseModel):
    """运行检查 Run checks (all by default) with parameters (``name`` or ``check.name``)."""

    checks: list[CheckName] | None = Field(None, description="检查名 check names; empty = all")
    params: dict[str, Any] = Field(default_factory=dict, description='参数 parameters, e.g. {"kin_hops": 2}')
    wait: bool = Field(True, description="等待完成 wait for the run to finish; false: 202 and a job to poll")


class Job(BaseModel):
    """后台运行 A run of the checks in the background: poll ``GET /api/checks/jobs/{id}``."""

    id: int
    status: str = Field(description="running 运行中, done 完成, failed 失败")
    started_at: str
    finished_at: str | None = None
    by: str
    checks: list[str]
    current: str | None = Field(None, description="正在运行的检查 the check running now")
    done: int = Field(description="已完成的检查数 checks finished")
    total: int
    run_id: int | None = None
    counts: dict[str, int] | None = None
    seconds: float | None = None
    error: str | None = None


class RunResult(BaseModel):
    """运行结果 Result of a run: findings per check (persisted; the list shows them)."""

    run_id: int
    seconds: float
    counts: dict[str, int]


class LabelCount(BaseModel):
    name: str
    zh: str
    count: int


class Stats(BaseModel):
    """统计 Counts per label and relationship type, and findings by check and status."""

    nodes: list[LabelCount]
    relationships: list[LabelCount]
    findings: dict[str, Any]


class Me(BaseModel):
    """当前用户 The caller."""

    token_id: int
    name: str
    role: Role
    role_zh: str
    show_ids: bool
    permissions: list[str]


class TokenInfo(BaseModel):
    """令牌（不含密钥） A token, without its secret."""

    id: int
    name: str
    role: Role
    created_at: str
    revoked_at: str | None


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="持有人 holder's name")
    role: Role


class TokenCreated(BaseModel):
    """新令牌 A new token: shown once, store it safely."""

    id: int
    name: str
    role: Role
    token: str


class AuditEntry(BaseModel):
    """审计日志条目 One audit-log entry."""

    id: int
    at: str
    token_id: int | None
    who: str
    role: str
    action: str
    method: str
    path: str
    params: dict[str, Any]
    client: str
    status: int | None = Field(None, description="应答状态码 HTTP status answered (401/403: refused)")


class AuditPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[AuditEntry]


class ExportRequest(BaseModel):
    """导出所选子图 Export the subgraph around selected nodes."""

    refs: list[str] = Field(min_length=1, max_length=500, description="节点引用 node refs")
    hops: int = Field(1, ge=0, le=3, description="跳数 hops around them")
    format: str = Field(
        "json",
        pattern=FORMAT_PATTERN,
        description="格式 format: " + "; ".join(f"{f.name} {f.title}" for f in FORMATS.values()),
    )
