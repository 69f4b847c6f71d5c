// 名称核对: the name review queue (GET /api/names/review) and decisions in bulk (POST /api/names/decisions).
"use strict";
(() => {
  const list = document.getElementById("names-list");
  const status = document.getElementById("names-status");
  const bar = document.getElementById("names-bar");
  const PAGE = 50;
  let offset = 0, items = [], mayDecide = false;

  function candidate(it, c) {
    const rows = [["证件号", c.key], ["户号", c.household], ["村", c.village], ["出生日期", c.birth_date],
      ["职务", (c.posts || []).join("；")], ["来源", c.source]].filter(([, v]) => v);
    const pick = mayDecide && it.candidates.length > 1
      ? `<input type="radio" class="pick-cand" name="cand-${GA.esc(it.item_id)}" value="${GA.esc(c.key)}"> ` : "";
    const tag = c.decision ? ` <span class="tag">${GA.esc(c.decision)}</span>` : "";
    const reg = c.registered ? "" : ` <span class="muted">（未在图中）</span>`;
    return `<div class="name-cand"><label>${pick}<b>${GA.esc(c.name)}</b>${tag}${reg}</label>
      <dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${GA.esc(v)}</dd>`).join("")}</dl></div>`;
  }

  function item(it) {
    const pick = mayDecide ? `<input type="checkbox" class="pick-item" value="${GA.esc(it.item_id)}"> ` : "";
    const rows = it.rows.map(r => `<li>${GA.esc(r.source)} ${GA.esc(r.file)} 第 ${r.row} 行</li>`).join("");
    const more = it.row_count > it.rows.length ? `<li>…共 ${it.row_count} 行</li>` : "";
    return `<section class="panel name-item${it.decided ? " decided" : ""}" data-item="${GA.esc(it.item_id)}">
      <div><label>${pick}<span class="name-written">${GA.esc(it.name)}</span></label>
        <div class="muted">${GA.esc(it.role_zh)} · ${GA.esc(it.reason_zh)} · ${GA.esc(it.scope_zh)}${it.decided ? " · 已核对" : ""}</div>
        <ul class="name-rows muted">${rows}${more}</ul></div>
      <div class="name-cands">${it.candidates.map(c => candidate(it, c)).join("")}</div></section>`;
  }

  function selected() { return [...list.querySelectorAll(".pick-item:checked")].map(e => e.value); }
  function count() { const n = document.getElementById("names-selected"); if (n) n.textContent = selected().length; }

  async function load() {
    const role = document.getElementById("names-role").value;
    const all = document.getElementById("names-all").checked;
    const q = new URLSearchParams({ offset, limit: PAGE });
    if (role) q.set("role", role);
    if (all) q.set("all", "true");
    const data = await GA.api("/api/names/review?" + q);
    if (!data) return;
    items = data.items;
    mayDecide = data.may_decide;
    document.getElementById("names-count").textContent = `待核对 ${data.open} 项` + (all ? `（共 ${data.total} 项）` : "");
    list.innerHTML = items.length ? items.map(item).join("") : `<p class="muted" id="names-empty">没有待核对的姓名。</p>`;
    const pager = document.getElementById("names-pager");
    pager.innerHTML = data.total > PAGE ? `<button type="button" id="names-prev" ${offset ? "" : "disabled"}>上一页</button>
      <span class="muted">${offset + 1}–${Math.min(offset + PAGE, data.total)} / ${data.total}</span>
      <button type="button" id="names-next" ${offset + PAGE < data.total ? "" : "disabled"}>下一页</button>` : "";
    pager.querySelector("#names-prev")?.addEventListener("click", () => { offset = Math.max(0, offset - PAGE); load(); });
    pager.querySelector("#names-next")?.addEventListener("click", () => { offset += PAGE; load(); });
    count();
  }

  async function decide(verdict) {
    const chosen = selected();
    if (!chosen.length) { status.textContent = "请先勾选要核对的姓名"; return; }
    const decisions = [], missing = [];
    for (const id of chosen) {
      const it = items.find(x => x.item_id === id);
      const picked = list.querySelector(`input.pick-cand[name="cand-${CSS.escape(id)}"]:checked`);
      let cand = picked ? picked.value : null;
      if (!cand && it.candidates.length === 1) cand = verdict === "是同一人" ? it.candidates[0].key : null;
      if (verdict === "是同一人" && !cand) { missing.push(it.name); continue; }
      decisions.push({ item_id: id, verdict, candidate: cand });
    }
    if (missing.length) { status.textContent = `“是同一人”请先选定候选人：${missing.join("、")}`; return; }
    try {
      const res = await GA.api("/api/names/decisions", { method: "POST", body: JSON.stringify({ decisions }) });
      status.textContent = `已记录 ${res.decided.length} 项“${verdict}”，剩余待核对 ${res.left} 项；结论在下次导入时生效`;
      await load();
    } catch (e) { status.textContent = "保存失败：" + e.message; }
  }

  list.addEventListener("change", count);
  bar?.querySelectorAll("button[data-verdict]").forEach(b => b.addEventListener("click", () => decide(b.dataset.verdict)));
  document.getElementById("names-role").addEventListener("change", () => { offset = 0; load(); });
  document.getElementById("names-all").addEventListener("change", () => { offset = 0; load(); });
  load().catch(e => { status.textContent = "加载失败：" + e.message; });
})();
