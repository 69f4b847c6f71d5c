// The case page's tables: payments (日期/项目/金额/审批人/领取人), contracts (名称/金额/签订日期/承包方), people
// (姓名/职务/与干部关系/村); a cluster's whole group as its own graph; the print button.
"use strict";
(async function () {
  const box = document.getElementById("record-tables");
  const id = box.dataset.case;
  document.getElementById("print-case").addEventListener("click", () => window.print());
  let t;
  try { t = await GA.api(`/api/cases/${encodeURIComponent(id)}/tables`); }
  catch (e) { document.getElementById("tables-body").innerHTML = `<div class="error">${GA.esc(e.message)}</div>`; return; }
  if (!t) return;
  const L = t.labels;
  const parts = [];
  if (t.payments.length) parts.push(`<h3>资金发放 <span class="muted">${t.payments.length} 笔</span></h3>` + GATables.table([
    ["date", L.payments.date], ["program", L.payments.program], ["amount", L.payments.amount, "num"],
    ["approver", L.payments.approver, "person"], ["recipient", L.payments.recipient, "person"], ["village", "村"]],
    t.payments));
  if (t.contracts.length) parts.push(`<h3>合同 <span class="muted">${t.contracts.length} 份</span></h3>` + GATables.table([
    ["title", L.contracts.title], ["amount", L.contracts.amount, "num"], ["date", L.contracts.date],
    ["contractor", L.contracts.contractor], ["approver", "审批人", "person"]], t.contracts));
  parts.push(`<h3>相关人员 <span class="muted">${t.people.length} 人</span></h3>` + GATables.table([
    ["name", L.people.name, "person"], ["posts", L.people.posts], ["kin", L.people.kin], ["village", L.people.village],
    ["household", L.people.household, "household"]],
    t.people));
  const body = document.getElementById("tables-body");
  body.classList.remove("muted");
  body.innerHTML = parts.join("");
  if (t.group && typeof GAGraph !== "undefined") {
    const panel = document.getElementById("group-panel");
    panel.hidden = false;
    const main = window.gaGraph;  // the evidence graph stays window.gaGraph; the group is window.gaGroup
    const g = new GAGraph(document.getElementById("group-graph"), { onSelect: () => {} });
    window.gaGraph = main;
    const pairs = new Set(t.group.pairs.flat()), brokers = new Set(t.group.brokers);
    g.addNodes(t.group.nodes, { path: new Set([...pairs, ...brokers, ...t.group.cadres]) });
    g.addEdges(t.group.edges, { path: new Set() });
    g.legend(document.getElementById("group-legend"));
    document.getElementById("group-note").textContent =
      `（图中 ${t.group.nodes.filter((n) => n.label === "Person").length} 人、${t.group.nodes.length - t.group.nodes.filter((n) => n.label === "Person").length} 笔记录或企业；` +
      `所在群体共 ${t.group.members} 人；相互审批 ${t.group.pairs.length} 对；中间人 ${t.group.brokers.length} 人；红框为干部、互审双方和中间人）`;
    window.gaGroup = g;
  }
})();
