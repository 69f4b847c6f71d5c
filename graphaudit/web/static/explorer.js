// The explorer: search, add a result to the graph, click a node to expand its neighbours (a page per click).
"use strict";
(function () {
  const info = document.getElementById("node-info");
  const relBox = document.getElementById("rels");
  relBox.innerHTML = Object.entries(GA.model.relationships).map(([k, v]) =>
    `<label><input type="checkbox" value="${GA.esc(k)}"> ${GA.esc(v.zh)}</label>`).join("");
  const checked = () => [...relBox.querySelectorAll("input:checked")].map((x) => x.value);
  const legend = document.getElementById("legend");
  const graph = new GAGraph(document.getElementById("graph"), {
    pageSize: () => document.getElementById("page-size").value,
    hops: () => document.getElementById("hops").value,
    relTypes: checked,
    onSelect: (n) => { info.innerHTML = `<div class="panel-title">节点</div>` + GA.props(n) +
      `<div class="muted" id="expand-status"></div>`; },
  });
  document.addEventListener("ga-expanded", (e) => {
    graph.legend(legend);
    const el = document.getElementById("expand-status");
    if (el) el.textContent = `邻居已加载 ${e.detail.loaded} / ${e.detail.total}` + (e.detail.loaded < e.detail.total ? "（再次单击加载更多）" : "");
  });
  const results = document.getElementById("results");
  let found = [];
  document.getElementById("search-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = document.getElementById("q").value.trim();
    if (!q) return;
    try {
      const page = await GA.api("/api/search?" + new URLSearchParams({ q, limit: 30 }));
      found = page.items;
      results.innerHTML = found.length ? found.map((n, i) => `<li data-i="${i}"><b>${GA.esc(n.caption)}</b>
        <span class="tag" style="background:${graph.color(n.label)}22">${GA.esc(n.label_zh)}</span>
        ${n.label === "Person" ? `<a class="card-link" href="${GA.card(n.ref)}">档案</a>` : ""}
        <small>${GA.esc(n.id)} ${GA.esc(n.props.note || "")}</small></li>`).join("") : `<li class="muted">无结果</li>`;
    } catch (ex) { results.innerHTML = `<li class="error">${GA.esc(ex.message)}</li>`; }
  });
  results.addEventListener("click", async (e) => {
    const li = e.target.closest("li[data-i]");
    if (!li || e.target.closest("a")) return;
    const n = found[Number(li.dataset.i)];
    graph.addNodes([n], { path: new Set([n.ref]) });
    info.innerHTML = `<div class="panel-title">节点</div>` + GA.props(n) + `<div class="muted" id="expand-status"></div>`;
    await graph.expand(n.ref);
    graph.network.fit();
  });
  document.getElementById("clear").onclick = () => { graph.clear(); legend.innerHTML = ""; };
  const exp = document.getElementById("export-selection");
  if (exp) exp.onclick = async () => {
    const refs = graph.nodes.getIds().slice(0, 500);
    if (!refs.length) return;
    const res = await fetch("/api/export", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refs, hops: 0, format: "graphml" }) });
    if (!res.ok) { alert((await res.json()).detail); return; }
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await res.blob());
    a.download = "selection.graphml";
    a.click();
  };
})();
