// A case: its summary, change mark, legal basis and money band, its review and change history, the findings
// folded into it and the evidence graph of one of them (the strongest first; a click shows another's).
"use strict";
(async function () {
  const head = document.getElementById("head");
  const id = head.dataset.case;
  const NEXT = JSON.parse(document.getElementById("ga-next").textContent);
  const info = document.getElementById("node-info");
  const graph = new GAGraph(document.getElementById("graph"), {
    onSelect: (n) => { info.innerHTML = `<div class="panel-title">节点</div>` + GA.props(n); } });
  const when = (s) => GA.esc((s || "").slice(0, 16).replace("T", " "));
  const from = new URLSearchParams(location.search).get("from");
  if (from) document.getElementById("merged-note").textContent = `（原线索 ${from} 已并入本线索）`;

  function renderReview(c) {
    const last = c.reviews[c.reviews.length - 1];
    document.getElementById("review-status").innerHTML =
      `<span class="tag st-${GA.esc(c.status)}" id="current-status">${GA.esc(c.status)}</span>` +
      (last ? ` <span class="muted">${GA.esc(last.by)} · ${when(last.at)}</span>` : "") +
      (last && last.comment ? `<p id="last-comment">${GA.esc(last.comment)}</p>` : "");
    const sel = document.getElementById("review-select");
    if (sel) sel.innerHTML = NEXT[c.status].map((s) => `<option>${GA.esc(s)}</option>`).join("");
    document.getElementById("history").innerHTML = c.reviews.slice().reverse().map((h) =>
      `<li>${GA.esc(h.from)} → <b>${GA.esc(h.to)}</b> · ${GA.esc(h.by)} · ${when(h.at)}` +
      (h.comment ? `<br>${GA.esc(h.comment)}` : "") + `</li>`).join("");
  }

  function renderHead(d) {
    const c = d.case, g = d.group;  // a cluster: the whole group's money and records
    head.innerHTML = `
      <div><span class="sev ${GA.sevClass(c.severity)}">${c.severity}</span>
        <span class="tag ch-${GA.esc(c.change)}" id="change">${GA.esc(c.change)}</span>
        <span class="check-name">${c.check_titles.map(GA.esc).join(" · ")}</span></div>
      <h1 id="explanation">${GA.esc(c.explanation)}</h1>
      <div class="facts">
        ${g ? `<span>群体涉及金额 <b id="case-amount">${GA.yuan(g.amount)} 元</b>
          <span class="muted">（整个群体合计：本线索及所含 ${g.cases - 1} 条线索，记录不重复计）</span></span>`
          : `<span>涉及金额 <b id="case-amount">${GA.yuan(c.amount)} 元</b></span>`}
        <span>金额档次 <b id="money-band" class="${c.money_band === "可能达到刑事立案标准" ? "band-hi" : ""}">${GA.esc(c.money_band)}</b>
          <span class="muted">${GA.esc(c.band_note)}（法释〔2016〕9号）</span></span>
        <span>单位 <b>${GA.esc(c.org_name || c.org_code)}</b></span>
        ${g ? `<span>群体记录 <b id="case-records">${g.records}</b> 笔</span>`
          : `<span>记录 <b id="case-records">${c.record_ids.length}</b> 笔</span>`}
        <span>首次发现 <b>${when(c.first_seen)}</b></span>
        <span>最近变化 <b>${when(c.last_changed)}</b></span>
        <span>线索编号 <b>${GA.esc(c.case_id)}</b></span>
      </div>
      <div class="basis" id="legal-basis">依据：${c.legal_basis.map((b) => `<b>${GA.esc(b)}</b>`).join("；")}</div>
      ${c.linked_cases.length ? `<div class="basis">群体内含线索：${c.linked_cases.map((x) =>
        `<a href="/cases/${encodeURIComponent(x)}">${GA.esc(x)}</a>`).join("、")}</div>` : ""}`;
    document.getElementById("change-history").innerHTML = d.history.slice().reverse().map((h) =>
      `<li><b>${GA.esc(h.kind)}</b> · ${when(h.at)}<br>${GA.esc(h.text)}</li>`).join("");
  }

  function renderFindings(d) {
    document.getElementById("case-findings").innerHTML = d.findings.map((f) => `
      <tr class="row${f.finding_id === d.finding_id ? " on" : ""}" data-id="${GA.esc(f.finding_id)}">
        <td><span class="sev ${GA.sevClass(f.severity)}">${f.severity}</span></td>
        <td class="check-name">${GA.esc(f.check_title)}</td>
        <td class="c-text">${GA.esc(f.explanation)}</td>
        <td class="num c-num" data-label="金额（元）">${GA.yuan(f.amount)}</td></tr>`).join("");
  }

  function renderGraph(d) {
    graph.clear();
    if (!d.graph || !d.path) return;
    document.getElementById("graph-of").textContent = "（红色为冲突路径；单击节点展开邻居）";
    const nodesByRef = new Map(d.graph.nodes.map((n) => [n.ref, n]));
    const pathNodes = d.path.nodes.map((n, i) => ({ ref: d.path_refs[i], caption: n.caption || n.id, label: n.label }));
    document.getElementById("path").innerHTML = pathNodes.map((n, i) => {
      const r = d.path_edges[i];
      const node = `<span class="pn">${GA.esc(n.caption)}</span>`;
      const back = (d.path.relationships[i] || {}).direction === "<-";
      return r ? node + `<span class="pr">${back ? "←" : "—"}${GA.esc(r.type_zh)}${back ? "—" : "→"}</span>` : node;
    }).join("");
    const pathRefs = new Set(d.path_refs);
    const pathEdges = new Set(d.path_edges.map((e) => graph.edgeId(e)));
    graph.addNodes(d.graph.nodes, { path: pathRefs });
    graph.addNodes(pathNodes.filter((n) => !nodesByRef.has(n.ref)).map((n) => ({ ref: n.ref, caption: n.caption,
      label: n.label, label_zh: (GA.model.nodes[n.label] || {}).zh || n.label, id: "", props: {} })), { path: pathRefs });
    graph.addEdges(d.graph.edges, { path: pathEdges });
    graph.addEdges(d.path_edges, { path: pathEdges });
    graph.legend(document.getElementById("legend"));
  }

  async function load(finding) {
    const qs = finding ? "?finding=" + encodeURIComponent(finding) : "";
    return GA.api("/api/cases/" + encodeURIComponent(id) + qs);
  }

  let d;
  try { d = await load(); } catch (e) { head.innerHTML = `<div class="error">${GA.esc(e.message)}</div>`; return; }
  if (!d) return;
  renderHead(d); renderFindings(d); renderGraph(d); renderReview(d.case);
  document.addEventListener("ga-expanded", () => graph.legend(document.getElementById("legend")));
  document.getElementById("case-findings").addEventListener("click", async (e) => {
    const tr = e.target.closest("tr.row");
    if (!tr || tr.dataset.id === d.finding_id) return;
    d = await load(tr.dataset.id);
    renderFindings(d); renderGraph(d);
  });

  const form = document.getElementById("review-form");
  if (form) form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const err = document.getElementById("review-error");
    err.textContent = "";
    try {
      await GA.api(`/api/cases/${encodeURIComponent(id)}/review`, { method: "POST",
        body: JSON.stringify({ status: form.elements.status.value, comment: form.elements.comment.value }) });
      const fresh = await GA.api("/api/cases/" + encodeURIComponent(id) + "?context=0");
      form.elements.comment.value = "";
      renderReview(fresh.case);
    } catch (ex) { err.textContent = ex.message; }
  });
})();
