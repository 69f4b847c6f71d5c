// The case list: cases (findings folded by subject), most severe first; filters on review status, change since
// the previous run, check, money band, organisation; a click opens the case.
"use strict";
(function () {
  const form = document.getElementById("filters");
  const rows = document.getElementById("rows");
  const LIMIT = 50;
  let offset = 0;
  const params = new URLSearchParams(location.search);
  for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;

  async function summary() {
    const s = await GA.api("/api/cases/summary");
    if (!s) return;
    const st = s.by_status || {}, ch = s.by_change || {};
    const open = Object.values(st).reduce((a, b) => a + b, 0);
    const cards = [["线索总数", open], ["新线索", st["新线索"] || 0], ["核查中", st["核查中"] || 0],
                   ["属实", st["属实"] || 0], ["不属实", st["不属实"] || 0],
                   ["本次新增", ch["新增"] || 0], ["本次有变化", ch["有变化"] || 0], ["已消失", ch["已消失"] || 0],
                   ["可能达到刑事立案标准", (s.by_band || {})["可能达到刑事立案标准"] || 0]];
    const run = s.last_run;
    document.getElementById("summary").innerHTML = cards.map(([k, v]) =>
      `<div class="stat"><b>${GA.esc(Number(v).toLocaleString("zh-CN"))}</b><span>${GA.esc(k)}</span></div>`).join("") +
      (run ? `<div class="stat" id="last-run"><b class="small">${GA.esc(run.started_at.slice(0, 16).replace("T", " "))}</b>` +
        `<span>最近运行 · ${GA.esc(run.by)}</span></div>` : "");
  }

  async function load() {
    const qs = new URLSearchParams({ offset, limit: LIMIT });
    for (const el of form.elements) if (el.name && el.value) qs.set(el.name, el.value);
    history.replaceState(null, "", "?" + new URLSearchParams([...qs].filter(([k]) => !["offset", "limit"].includes(k))));
    let page;
    try { page = await GA.api("/api/cases?" + qs); } catch (e) {
      rows.innerHTML = `<tr><td colspan="7" class="error">${GA.esc(e.message)}</td></tr>`; return; }
    if (!page) return;
    rows.innerHTML = page.items.length ? page.items.map((c) => `
      <tr class="row${c.gone ? " gone" : ""}" data-id="${GA.esc(c.case_id)}">
        <td><span class="sev ${GA.sevClass(c.severity)}">${c.severity}</span></td>
        <td><span class="tag ch-${GA.esc(c.change)}">${GA.esc(c.change)}</span></td>
        <td class="c-text"><a href="/cases/${encodeURIComponent(c.case_id)}">${GA.esc(c.explanation)}</a>
          <div class="check-name">${c.check_titles.map(GA.esc).join(" · ")}</div></td>
        <td class="num c-num" data-label="金额（元）">${c.linked_cases.length && !c.amount
          ? `<span class="muted" title="团伙的金额计入其所含线索，不重复计">计入所含线索</span>` : GA.yuan(c.amount)}</td>
        <td class="c-band ${c.money_band === "可能达到刑事立案标准" ? "band-hi" : "muted"}">${GA.esc(c.money_band)}</td>
        <td class="c-org">${GA.esc(c.org_name || c.org_code)}</td>
        <td class="c-status"><span class="tag st-${GA.esc(c.status)}">${GA.esc(c.status)}</span></td>
      </tr>`).join("") : `<tr><td colspan="7" class="muted">没有符合条件的线索${GA.me.permissions.includes("run_checks") ? "（可先运行检查）" : ""}</td></tr>`;
    document.getElementById("page-info").textContent =
      page.total ? `第 ${offset + 1}–${offset + page.items.length} 条，共 ${page.total} 条` : "";
    document.getElementById("prev").disabled = offset === 0;
    document.getElementById("next").disabled = offset + LIMIT >= page.total;
  }

  rows.addEventListener("click", (e) => {
    const tr = e.target.closest("tr.row");
    if (tr && e.target.tagName !== "A") location.href = "/cases/" + encodeURIComponent(tr.dataset.id);
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); offset = 0; load(); });
  document.getElementById("prev").onclick = () => { offset = Math.max(0, offset - LIMIT); load(); };
  document.getElementById("next").onclick = () => { offset += LIMIT; load(); };
  GA.runChecks("项发现", () => { offset = 0; return Promise.all([load(), summary()]); });
  // the organisation filter: township → village, named (/api/places); the hidden "org" holds the code prefix
  const town = document.getElementById("org-town"), village = document.getElementById("org-village");
  const org = document.getElementById("org");
  let places = [];
  function villages() {
    const t = places.find((p) => p.code === town.value);
    village.innerHTML = `<option value="">全部村</option>` + (t ? t.villages.map((v) =>
      `<option value="${GA.esc(v.code)}">${GA.esc(v.name)}</option>`).join("") : "");
    village.disabled = !t || !t.villages.length;
  }
  town.addEventListener("change", () => { villages(); org.value = town.value; offset = 0; load(); });
  village.addEventListener("change", () => { org.value = village.value || town.value; offset = 0; load(); });
  GA.api("/api/places").then((p) => {
    places = p || [];
    town.innerHTML = `<option value="">全部乡镇</option>` + places.map((t) =>
      `<option value="${GA.esc(t.code)}">${GA.esc(t.name)}</option>`).join("");
    const want = org.value || "";
    town.value = want.slice(0, 9);
    villages();
    if (want.length === 12) village.value = want;
  });
  summary(); load();
})();
