// The findings list: filters, sort, paging, most severe first; a click opens the finding.
"use strict";
(function () {
  const form = document.getElementById("filters");
  const rows = document.getElementById("rows");
  const LIMIT = 50;
  let offset = 0;
  const params = new URLSearchParams(location.search);
  for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;

  async function summary() {
    const s = await GA.api("/api/stats");
    if (!s) return;
    const st = s.findings.by_status || {};
    const total = Object.values(s.findings.by_check || {}).reduce((a, b) => a + b, 0);
    const run = s.findings.last_run;
    const cards = [["线索总数", total], ["新线索", st["新线索"] || 0], ["核查中", st["核查中"] || 0],
                   ["属实", st["属实"] || 0], ["不属实", st["不属实"] || 0],
                   ["人员", (s.nodes.find((n) => n.name === "Person") || {}).count || 0]];
    document.getElementById("summary").innerHTML = cards.map(([k, v]) =>
      `<div class="stat"><b>${GA.esc(Number(v).toLocaleString("zh-CN"))}</b><span>${GA.esc(k)}</span></div>`).join("") +
      (run ? `<div class="stat"><b class="small">${GA.esc(run.started_at.slice(0, 16).replace("T", " "))}</b><span>最近运行 · ${GA.esc(run.by)}</span></div>` : "");
  }

  async function load() {
    const qs = new URLSearchParams({ offset, limit: LIMIT });
    for (const el of form.elements) if (el.name && el.value) qs.set(el.name, el.value);
    history.replaceState(null, "", "?" + new URLSearchParams([...qs].filter(([k]) => !["offset", "limit"].includes(k))));
    let page;
    try { page = await GA.api("/api/findings?" + qs); } catch (e) {
      rows.innerHTML = `<tr><td colspan="6" class="error">${GA.esc(e.message)}</td></tr>`; return; }
    if (!page) return;
    rows.innerHTML = page.items.length ? page.items.map((f) => `
      <tr class="row" data-id="${GA.esc(f.finding_id)}">
        <td><span class="sev ${GA.sevClass(f.severity)}">${f.severity}</span></td>
        <td class="check-name">${GA.esc(f.check_title)}</td>
        <td class="c-text"><a href="/findings/${encodeURIComponent(f.finding_id)}">${GA.esc(f.explanation)}</a></td>
        <td class="num c-num" data-label="金额（元）">${GA.yuan(f.amount)}</td>
        <td class="c-org">${GA.esc(f.org_name || f.org_code)}</td>
        <td class="c-status"><span class="tag st-${GA.esc(f.status)}">${GA.esc(f.status)}</span></td>
      </tr>`).join("") : `<tr><td colspan="6" class="muted">没有符合条件的线索${GA.me.permissions.includes("run_checks") ? "（可先运行检查）" : ""}</td></tr>`;
    document.getElementById("page-info").textContent =
      page.total ? `第 ${offset + 1}–${offset + page.items.length} 条，共 ${page.total} 条` : "";
    document.getElementById("prev").disabled = offset === 0;
    document.getElementById("next").disabled = offset + LIMIT >= page.total;
  }

  rows.addEventListener("click", (e) => {
    const tr = e.target.closest("tr.row");
    if (tr && e.target.tagName !== "A") location.href = "/findings/" + encodeURIComponent(tr.dataset.id);
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); offset = 0; load(); });
  document.getElementById("prev").onclick = () => { offset = Math.max(0, offset - LIMIT); load(); };
  document.getElementById("next").onclick = () => { offset += LIMIT; load(); };
  GA.runChecks("条线索", () => { offset = 0; return Promise.all([load(), summary()]); });
  summary(); load();
})();
