"""A networkx subgraph as one standalone HTML page: an interactive vis-network graph, inlined from the
vendored ``graphaudit/web/vendor/vis-network.min.js``, so the page opens from a file with no network.

Nodes are coloured by label (colours from ``model.yaml``, :data:`LABEL_COLORS` — the one place the UI takes
them from) and captioned by the model's caption property; relationships carry their Chinese names.  Given
findings (dicts with ``finding_id``, ``check``, ``severity``, ``amount``, ``explanation``, ``record_ids`` and
``nodes`` / ``edges`` — the node keys and ``[start, end, type]`` of the evidence), the page lists them; a
click shows a finding's evidence in the graph, its explanation, its steps and its source rows.

    from graphaudit.viz import graph_html
    html = graph_html(store.subgraph(["140107196503020117"], hops=2), title="张伟 周边两跳")
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx

from graphaudit.model import MODEL

__all__ = ["LABEL_COLORS", "rgb", "vis_data", "graph_html", "write_html", "script_json", "VIS_JS"]

VIS_JS = Path(__file__).with_name("web") / "vendor" / "vis-network.min.js"

#: Node colour per label, from model.yaml.
LABEL_COLORS: dict[str, str] = {name: spec.color for name, spec in MODEL.nodes.items()}
_GREY = "#9aa0a6"


def rgb(label: str) -> tuple[int, int, int]:
    """The label's colour as (r, g, b)."""
    h = LABEL_COLORS.get(label, _GREY).lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


@lru_cache(maxsize=1)
def _vis_js() -> str:
    return VIS_JS.read_text(encoding="utf-8").replace("</script", "<\\/script")


def _plain(v: Any) -> Any:
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _caption(label: str, d: dict[str, Any]) -> str:
    if d.get("caption"):
        return str(d["caption"])
    spec = MODEL.nodes.get(label)
    value = d.get(spec.caption) if spec else None
    return str(value if value not in (None, "") else d.get("id", ""))


def vis_data(g: nx.MultiDiGraph) -> dict[str, Any]:
    """Nodes and edges in vis-network's shape.  Works on a store subgraph (``label`` + properties) and on an
    export view (which adds ``caption``, ``findings``, ``severity`` …).  Edge ids are ``start|type|end``."""
    nodes = []
    for k, d in g.nodes(data=True):
        label = str(d.get("label", ""))
        props = {p: _plain(v) for p, v in d.items() if p not in ("label", "label_zh", "caption")}
        sev = int(d.get("severity") or 0)
        nodes.append(
            {
                "id": k,
                "label": _caption(label, d),
                "kind": label,
                "severity": sev,
                "color": {
                    "background": LABEL_COLORS.get(label, _GREY),
                    "border": "#b3261e" if sev else "#ffffff",
                    "highlight": {"background": LABEL_COLORS.get(label, _GREY), "border": "#202124"},
                },
                "borderWidth": 3 if sev else 1,
                "size": 14 + min(sev, 100) / 8,
                "props": props,
            }
        )
    edges, seen = [], {}  # type: ignore[var-annotated]
    for u, v, key, d in g.edges(keys=True, data=True):
        t = str(d.get("type", key))
        pair = (min(u, v), max(u, v))
        n = seen[pair] = seen.get(pair, -1) + 1
        props = {p: _plain(x) for p, x in d.items() if p not in ("type", "type_zh")}
        flagged = bool(d.get("findings"))
        edges.append(
            {
                "id": f"{u}|{t}|{v}",
                "from": u,
                "to": v,
                "type": t,
                "label": MODEL.rels[t].zh if t in MODEL.rels else t,
                "props": props,
                "color": {"color": "#b3261e" if flagged else "#9aa0a6", "highlight": "#202124"},
                "width": 2.5 if flagged else 1,
                "smooth": {
                    "enabled": True,
                    "type": "curvedCW" if n % 2 else "curvedCCW",
                    "roundness": 0.1 + 0.15 * ((n + 1) // 2),
                }
                if n
                else {"enabled": False},
            }
        )
    return {"nodes": nodes, "edges": edges}


def graph_html(
    g: nx.MultiDiGraph,
    title: str = "关系图谱",
    findings: list[dict[str, Any]] | None = None,
    subtitle: str = "",
    check_titles: dict[str, str] | None = None,
) -> str:
    """The whole page (module docstring) as a string."""
    data = vis_data(g)
    present = sorted({n["kind"] for n in data["nodes"]})
    payload = {
        **data,
        "findings": findings or [],
        "checks": check_titles or {},
        "rels": {k: r.zh for k, r in MODEL.rels.items()},
        "labels": {
            k: {"zh": MODEL.nodes[k].zh if k in MODEL.nodes else k, "color": LABEL_COLORS.get(k, _GREY)}
            for k in present
        },
    }
    fill = {
        "__TITLE__": _esc(title),
        "__SUBTITLE__": _esc(subtitle),
        "__DATA__": script_json(payload),
        "__VIS__": _vis_js(),
    }
    # one pass over the template: text put in never has its own placeholders filled (a company named
    # "__VIS__" stays a name)
    return _SLOTS.sub(lambda m: fill[m.group(0)], _PAGE)


def write_html(g: nx.MultiDiGraph, path: str | Path, **kw: Any) -> Path:
    """Write :func:`graph_html` to ``path``."""
    from graphaudit.export.atomic import atomic_text

    return atomic_text(path, graph_html(g, **kw))


def _esc(s: str) -> str:
    return (
        s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


_SLOTS = re.compile("__(?:TITLE|SUBTITLE|DATA|VIS)__")
_JSON_ESC = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and the
    JavaScript line separators are written as ``\\uXXXX`` escapes (valid JSON, same value), so no text can
    close the script element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESC[m.group(0)], text)


_PAGE = r"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:">
<title>__TITLE__</title>
<style>
:root{--ink:#202124;--muted:#5f6368;--line:#e3e6ea;--red:#b3261e;--bg:#f6f7f9}
*{box-sizing:border-box}html,body{margin:0;height:100%}
body{font:14px/1.5 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
 system-ui,sans-serif;color:var(--ink);background:var(--bg);display:flex;flex-direction:column}
header{background:#1f3b57;color:#fff;padding:10px 18px;display:flex;align-items:baseline;gap:14px;
 flex-wrap:wrap}
header h1{font-size:18px;margin:0;font-weight:600}header .sub{opacity:.85;font-size:13px}
header .badge{margin-left:auto;font-size:12px;background:rgba(255,255,255,.15);border-radius:10px;
 padding:2px 10px}
main{flex:1;display:grid;grid-template-columns:340px 1fr 320px;min-height:0}
main.nofind{grid-template-columns:1fr 320px}main.nofind #list{display:none}
aside{background:#fff;overflow:auto;border-right:1px solid var(--line)}
aside#info{border-right:0;border-left:1px solid var(--line);padding:12px 14px}
#list h2,#info h2{font-size:13px;color:var(--muted);margin:12px 14px 6px;font-weight:600;letter-spacing:.05em}
.card{margin:6px 10px;padding:9px 11px;border:1px solid var(--line);border-radius:8px;cursor:pointer;
 background:#fff}
.card:hover{border-color:#9aa0a6}.card.on{border-color:var(--red);box-shadow:0 0 0 2px rgba(179,38,30,.15)}
.card .top{display:flex;gap:8px;align-items:center;font-size:12px;color:var(--muted)}
.sev{font-weight:700;color:#fff;border-radius:4px;padding:0 6px;font-size:12px}
.card .ex{margin-top:4px;font-size:13px}.amt{margin-left:auto;font-variant-numeric:tabular-nums}
#graph{position:relative;min-width:0}#net{position:absolute;inset:0}
#legend{position:absolute;left:10px;bottom:10px;background:rgba(255,255,255,.92);border:1px solid var(--line);
 border-radius:8px;padding:6px 10px;font-size:12px;display:flex;flex-wrap:wrap;gap:4px 12px;max-width:70%}
#legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:-1px}
#reset{position:absolute;right:10px;top:10px;border:1px solid var(--line);background:#fff;border-radius:6px;
 padding:4px 10px;cursor:pointer;font:inherit;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:12px;margin:4px 0 10px}
td,th{border-bottom:1px solid var(--line);padding:3px 4px;text-align:left;vertical-align:top;
 word-break:break-all}
th{color:var(--muted);font-weight:500;width:38%}.steps{padding-left:18px;margin:4px 0 10px;font-size:12px}
.hint{color:var(--muted);font-size:13px}
.lbl{display:inline-block;border-radius:4px;padding:0 5px;color:#fff;font-size:11px;margin-right:4px}
</style></head><body>
<header><h1>__TITLE__</h1><span class="sub">__SUBTITLE__</span><span class="badge" id="count"></span></header>
<main id="main"><aside id="list"><h2>问题线索（按严重程度）</h2><div id="cards"></div></aside>
<section id="graph"><div id="net"></div><div id="legend"></div><button id="reset">显示全部</button></section>
<aside id="info"><div class="hint">点击左侧线索查看证据链，或点击图中节点查看属性。</div></aside></main>
<script type="application/json" id="ga-data">__DATA__</script>
<script>__VIS__</script>
<script>
(function(){
"use strict";
var D=JSON.parse(document.getElementById("ga-data").textContent);
var esc=function(s){return String(s==null?"":s).replace(/[&<>"]/g,
 function(c){return{"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c];});};
var sevColor=function(s){return s>=80?"#b3261e":s>=60?"#e8710a":s>=40?"#f9ab00":"#5f6368";};
var byId={};D.nodes.forEach(function(n){byId[n.id]=n;});
var nodes=new vis.DataSet(D.nodes),edges=new vis.DataSet(D.edges);
document.getElementById("count").textContent=D.nodes.length+" 个节点 · "+D.edges.length+" 条关系"+
 (D.findings.length?" · "+D.findings.length+" 条线索":"");
var lg=document.getElementById("legend");
Object.keys(D.labels).forEach(function(k){var s=document.createElement("span");
 s.innerHTML='<i style="background:'+D.labels[k].color+'"></i>'+esc(D.labels[k].zh)+" "+esc(k);
 lg.appendChild(s);});
var net=new vis.Network(document.getElementById("net"),{nodes:nodes,edges:edges},{
 nodes:{shape:"dot",
  font:{size:13,face:"Noto Sans CJK SC, Microsoft YaHei, sans-serif",strokeWidth:3,strokeColor:"#fff"}},
 edges:{arrows:{to:{enabled:true,scaleFactor:.6}},
  font:{size:10,color:"#5f6368",strokeWidth:3,strokeColor:"#fff",align:"middle"}},
 physics:{solver:"forceAtlas2Based",forceAtlas2Based:{gravitationalConstant:-60,springLength:110},
  stabilization:{iterations:400,fit:true}},
 interaction:{hover:true,tooltipDelay:150,navigationButtons:false,keyboard:false}});
window.gaNetwork=net;window.gaNodeCount=D.nodes.length;window.gaEdgeCount=D.edges.length;
net.once("stabilizationIterationsDone",function(){net.setOptions({physics:false});net.fit();});
net.on("afterDrawing",function(){window.gaDrawn=true;});
var info=document.getElementById("info");
function table(o){var r="";Object.keys(o).sort().forEach(function(k){var v=o[k];
 if(v===""||v==null||(Array.isArray(v)&&!v.length))return;
 r+="<tr><th>"+esc(k)+"</th><td>"+esc(Array.isArray(v)?v.join("; "):v)+"</td></tr>";});
 return "<table>"+r+"</table>";}
function tag(g){var l=D.labels[g]||{color:"#9aa0a6",zh:g};
 return '<span class="lbl" style="background:'+l.color+'">'+esc(l.zh)+"</span>";}
function dim(keep){var ks=keep?new Set(keep):null;
 nodes.update(D.nodes.map(function(n){return{id:n.id,opacity:ks&&!ks.has(n.id)?.18:1};}));}
function showNode(id){var n=byId[id];if(!n)return;
 info.innerHTML="<h2>节点</h2><div>"+tag(n.kind)+"<b>"+esc(n.label)+"</b></div>"+table(n.props);}
function showFinding(i){var f=D.findings[i];
 document.querySelectorAll(".card").forEach(function(c,j){c.classList.toggle("on",j===i);});
 var ids=f.nodes.filter(function(k){return byId[k];}),
  eids=f.edges.map(function(e){return e[0]+"|"+e[2]+"|"+e[1];}).filter(function(e){return edges.get(e);});
 dim(ids);net.setSelection({nodes:ids,edges:eids},{highlightEdges:false});
 net.fit({nodes:ids,animation:{duration:400}});
 var steps="";(f.path&&f.path.nodes||[]).forEach(function(n,j){var r=f.path.relationships[j];
  steps+="<li>"+tag(n.label)+esc(n.caption)+
   (r?" "+(r.direction==="<-"?"←":"→")+" "+esc(D.rels[r.type]||r.type):"")+"</li>";});
 var rows="";(f.record_ids||[]).forEach(function(r){D.nodes.forEach(function(n){
  if((n.kind==="Payment"||n.kind==="Contract")&&n.props.id===r)rows+="<div>"+tag(n.kind)+esc(r)+"</div>"+table(n.props);
 });});
 info.innerHTML="<h2>线索</h2><div><span class='sev' style='background:"+sevColor(f.severity)+"'>"+f.severity+
  "</span> "+esc(D.checks[f.check]||f.check)+"</div><p>"+esc(f.explanation)+"</p>"+
  "<table><tr><th>线索编号</th><td>"+esc(f.finding_id)+"</td></tr>"+
  "<tr><th>涉及金额（元）</th><td>"+Number(f.amount).toLocaleString("zh-CN")+"</td></tr>"+
  "<tr><th>单位代码</th><td>"+esc(f.org_code)+"</td></tr>"+
  "<tr><th>相关人员</th><td>"+esc((f.person_ids||[]).join("; "))+"</td></tr></table>"+
  "<h2>证据链</h2><ol class='steps'>"+steps+"</ol><h2>来源记录</h2>"+(rows||"<div class='hint'>无</div>");
 location.hash="f="+f.finding_id;}
var cards=document.getElementById("cards");
if(!D.findings.length)document.getElementById("main").classList.add("nofind");
D.findings.forEach(function(f,i){var c=document.createElement("div");c.className="card";
 c.innerHTML="<div class='top'><span class='sev' style='background:"+sevColor(f.severity)+"'>"+f.severity+
  "</span>"+esc(D.checks[f.check]||f.check)+
  "<span class='amt'>¥"+Number(f.amount).toLocaleString("zh-CN")+"</span></div>"+
  "<div class='ex'>"+esc(f.explanation)+"</div>";
 c.onclick=function(){showFinding(i);};cards.appendChild(c);});
net.on("click",function(p){if(p.nodes.length)showNode(p.nodes[0]);});
document.getElementById("reset").onclick=function(){dim(null);net.unselectAll();net.fit({animation:{duration:300}});
 document.querySelectorAll(".card").forEach(function(c){c.classList.remove("on");});};
var m=/f=([0-9a-f]+)/.exec(location.hash);
if(m){D.findings.forEach(function(f,i){if(f.finding_id===m[1])
 net.once("stabilizationIterationsDone",function(){setTimeout(function(){showFinding(i);},0);});});}
})();
</script></body></html>
"""
