// The interactive graph shared by the finding page and the explorer (vis-network, vendored; global `vis`).
// Nodes are coloured by label and captioned from the model; clicking a node expands its neighbours a page at
// a time.  The graph is exposed as window.gaGraph (nodes/edges DataSets, network) for the browser tests.
"use strict";
class GAGraph {
  constructor(container, { onSelect, pageSize, hops, relTypes } = {}) {
    this.nodes = new vis.DataSet();
    this.edges = new vis.DataSet();
    this.offsets = new Map();     // ref -> next offset of its neighbourhood pages
    this.full = new Set();        // refs whose neighbourhood is fully loaded
    this.pageSize = pageSize || (() => 50);
    this.hops = hops || (() => 1);
    this.relTypes = relTypes || (() => []);
    this.onSelect = onSelect || (() => {});
    this.expansions = 0;
    this.drawn = false;
    this.network = new vis.Network(container, { nodes: this.nodes, edges: this.edges }, {
      nodes: { shape: "dot", size: 14, font: { size: 13, color: "#1f2933", strokeWidth: 3, strokeColor: "#fff" },
               borderWidth: 1.5 },
      edges: { arrows: { to: { enabled: true, scaleFactor: 0.5 } }, color: { color: "#b8c2cc", highlight: "#52606d" },
               font: { size: 11, color: "#7b8794", strokeWidth: 3, strokeColor: "#fff", align: "middle" },
               smooth: { type: "continuous" }, width: 1.2 },
      physics: { solver: "forceAtlas2Based", forceAtlas2Based: { gravitationalConstant: -60, springLength: 110 },
                 stabilization: { iterations: 150 } },
      interaction: { hover: true, tooltipDelay: 150 },
    });
    this.network.on("afterDrawing", () => { this.drawn = true; });
    this.network.on("click", (e) => {
      if (!e.nodes.length) return;
      const ref = e.nodes[0];
      this.onSelect(this.nodes.get(ref).data);
      this.expand(ref).catch((err) => console.error(err));
    });
    this.network.on("doubleClick", (e) => { if (e.nodes.length) this.network.focus(e.nodes[0], { scale: 1.2, animation: true }); });
    window.gaGraph = this;
  }
  color(label) { return (GA.model.nodes[label] || {}).color || "#999"; }
  addNodes(list, { path = new Set() } = {}) {
    const add = [];
    for (const n of list) {
      const onPath = path.has(n.ref);
      const item = { id: n.ref, label: n.caption, data: n, title: `${n.label_zh} ${n.id}`,
        color: { background: this.color(n.label), border: onPath ? "#b42318" : "#ffffff",
                 highlight: { background: this.color(n.label), border: "#1f2933" } },
        borderWidth: onPath ? 4 : 1.5, size: onPath ? 20 : 14 };
      if (!this.nodes.get(n.ref)) add.push(item); else if (onPath) this.nodes.update(item);
    }
    this.nodes.add(add);
    return add.length;
  }
  edgeId(e) { return `${e.from}|${e.type}|${e.to}`; }
  addEdges(list, { path = new Set() } = {}) {
    const add = [];
    for (const e of list) {
      const id = this.edgeId(e);
      const onPath = path.has(id);
      const item = { id, from: e.from, to: e.to, label: e.type_zh, title: e.type_zh,
                     color: onPath ? { color: "#b42318", highlight: "#b42318" } : undefined, width: onPath ? 3.5 : 1.2 };
      if (!this.edges.get(id)) add.push(item); else if (onPath) this.edges.update(item);
    }
    this.edges.add(add);
  }
  async expand(ref) {
    if (this.full.has(ref)) return 0;
    const offset = this.offsets.get(ref) || 0;
    const qs = new URLSearchParams({ ref, hops: this.hops(), offset, limit: this.pageSize() });
    for (const t of this.relTypes()) qs.append("rel", t);
    const page = await GA.api("/api/graph/neighbourhood?" + qs);
    if (!page) return 0;
    const added = this.addNodes(page.nodes);
    this.addEdges(page.edges);
    const next = offset + page.nodes.length;
    this.offsets.set(ref, next);
    if (next >= page.total) this.full.add(ref);
    this.expansions += 1;
    this.status = { ref, total: page.total, loaded: next };
    document.dispatchEvent(new CustomEvent("ga-expanded", { detail: this.status }));
    return added;
  }
  clear() { this.nodes.clear(); this.edges.clear(); this.offsets.clear(); this.full.clear(); }
  legend(el) {
    const labels = new Set(this.nodes.get().map((n) => n.data.label));
    el.innerHTML = Object.entries(GA.model.nodes).filter(([k]) => labels.has(k))
      .map(([k, v]) => `<span><i style="background:${v.color}"></i>${GA.esc(v.zh)}</span>`).join("");
  }
}
