// A finding: explanation, records, the evidence graph with the conflict path in red, and its review.
"use strict";
(async function () {
  const head = document.getElementById("head");
  const id = head.dataset.finding;
  const NEXT = JSON.parse(document.getElementById("ga-next").textContent);
  const info = document.getElementById("node-info");
  const graph = new GAGraph(document.getElementById("graph"), {
    onSelect: (n) => { info.innerHTML = `<div class="panel-title">节点</div>` + GA.props(n); } });

  function renderReview(review, history) {
    document.getElementById("review-status").innerHTML =
      `<span class="tag st-${GA.esc(review.status)}" id="current-status">${GA.esc(review.status)}</span>` +
      (review.by ? ` <span class="muted">${GA.esc(review.by)} · ${GA.esc((review.at || "").slice(0, 16).replace("T", " "))}</span>` : "") +
      (review.comment ? `<p>${GA.esc(review.comment)}</p>` : "");
    const sel = document.getElementById("review-select");
    if (sel) sel.innerHTML = NEXT[review.status].map((s) => `<option>${GA.esc(s)}</option>`).join("");
    document.getElementById("history").innerHTML = history.slice().reverse().map((h) =>
      `<li>${GA.esc(h.from)} → <b>${GA.esc(h.to)}</b> · ${GA.esc(h.by)} · ${GA.esc(h.at.slice(0, 16).replace("T", " "))}` +
      (h.comment ? `<br>${GA.esc(h.comment)}` : "") + `</li>`).join("");
  }

  let d;
  try { d = await GA.api("/api/findings/" + encodeURIComponent(id)); } catch (e) {
    head.innerHTML = `<div class="error">${GA.esc(e.message)}</div>`; return; }
  if (!d) return;
  const f = d.finding;
  const nodesByRef = new Map(d.graph.nodes.map((n) => [n.ref, n]));
  const pathNodes = f.path.nodes.map((n, i) => ({ ref: d.path_refs[i], caption: n.caption || n.id, label: n.label }));
  const chain = pathNodes.map((n, i) => {
    const r = d.path_edges[i];
    const node = `<span class="pn" title="${GA.esc((GA.model.nodes[n.label] || {}).zh || n.label)}">${GA.esc(n.caption)}</span>`;
    const back = (f.path.relationships[i] || {}).direction === "<-";
    return r ? node + `<span class="pr">${back ? "←" : "—"}${GA.esc(r.type_zh)}${back ? "—" : "→"}</span>` : node;
  }).join("");
  head.innerHTML = `
    <div><span class="sev ${GA.sevClass(f.severity)}">${f.severity}</span>
      <span class="check-name">${GA.esc(d.check_title)}</span></div>
    <h1 id="explanation">${GA.esc(f.explanation)}</h1>
    <div class="facts">
      <span>涉及金额 <b>${GA.yuan(f.amount)} 元</b></span>
      <span>单位 <b>${GA.esc(d.org_name || f.org_code)}</b></span>
      <span>记录 <b>${f.record_ids.map(GA.esc).join("、")}</b></span>
      <span>人员 <b>${f.person_ids.map(GA.esc).join("、")}</b></span>
      <span>线索编号 <b>${GA.esc(f.finding_id)}</b></span>
    </div>
    <div class="path" id="path">${chain}</div>`;
  const pathRefs = new Set(d.path_refs);
  const pathEdges = new Set(d.path_edges.map((e) => graph.edgeId(e)));
  graph.addNodes(d.graph.nodes, { path: pathRefs });
  graph.addNodes(pathNodes.filter((n) => !nodesByRef.has(n.ref)).map((n) => ({ ref: n.ref, caption: n.caption,
    label: n.label, label_zh: (GA.model.nodes[n.label] || {}).zh || n.label, id: "", props: {} })), { path: pathRefs });
  graph.addEdges(d.graph.edges, { path: pathEdges });
  graph.addEdges(d.path_edges, { path: pathEdges });
  graph.legend(document.getElementById("legend"));
  document.addEventListener("ga-expanded", () => graph.legend(document.getElementById("legend")));
  renderReview(d.review, d.history);

  const form = document.getElementById("review-form");
  if (form) form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const err = document.getElementById("review-error");
    err.textContent = "";
    try {
      await GA.api(`/api/findings/${encodeURIComponent(id)}/review`, { method: "POST",
        body: JSON.stringify({ status: form.elements.status.value, comment: form.elements.comment.value }) });
      const fresh = await GA.api("/api/findings/" + encodeURIComponent(id) + "?context=0");
      form.elements.comment.value = "";
      renderReview(fresh.review, fresh.history);
    } catch (ex) { err.textContent = ex.message; }
  });
})();
