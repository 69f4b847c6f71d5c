// 一人一档: a person's card — facts, posts, kin, household, payments received and approved, contracts,
// companies, accounts and the cases that name them (/api/people/{ref}).
"use strict";
(async function () {
  const head = document.getElementById("person-head");
  let p;
  try { p = await GA.api("/api/people/" + encodeURIComponent(head.dataset.ref)); }
  catch (e) { head.innerHTML = `<div class="error">${GA.esc(e.message)}</div>`; return; }
  if (!p) return;
  document.title = `${p.name} · 一人一档 · 基层监督线索核查`;
  const homes = [...new Map(p.household.filter((m) => m.household_ref).map((m) => [m.household_ref, m.household])).entries()];
  head.innerHTML = `<h1 id="person-name">${GA.esc(p.name)} <span class="muted">${GA.esc(p.id)}</span></h1>
    ${homes.map(([ref, hid]) => `<a class="button household-link" href="/households/${encodeURIComponent(ref)}">一户一档：户号 ${GA.esc(hid)} →</a>`).join(" ")}
    <dl class="props facts-grid" id="person-facts">${p.fields.map((f) =>
      `<dt>${GA.esc(f.zh)}</dt><dd>${GA.esc(f.value)}</dd>`).join("")}</dl>`;
  const S = p.sections, T = GATables.table;
  const sec = (key, inner, extra = "") =>
    `<section class="panel" id="sec-${key}"><div class="panel-title">${GA.esc(S[key])} ${extra}</div>${inner}</section>`;
  const pays = [["date", "日期"], ["program", "项目"], ["amount", "金额（元）", "num"], ["approver", "审批人", "person"],
    ["recipient", "领取人", "person"], ["village", "村"], ["bank_account", "账号"]];
  document.getElementById("person-sections").innerHTML = [
    sec("cases", T([["case_id", "线索编号", "case"], ["checks", "检查"], ["role", "身份"], ["status", "状态"],
      ["amount", "金额（元）", "num"], ["explanation", "说明"]], p.cases.map((c) => ({ ...c, checks: c.checks.join("、") })),
      "未涉及线索"), `<span class="muted">${p.cases.length} 条</span>`),
    sec("posts", T([["title", "职务"], ["org", "单位"], ["start", "开始"], ["end", "结束"]], p.posts, "无任职记录")),
    sec("kin", T([["relation", "关系"], ["name", "姓名", "person"], ["village", "村"]], p.kin, "无亲属记录")),
    sec("household", T([["household", "户号", "household"], ["name", "姓名", "person"], ["relation", "与户主关系"], ["status", "状态"]],
      p.household, "无户籍记录")),
    sec("received", T(pays, p.received, "无"), `<span class="muted">${p.received.length} 笔，共 ${GA.yuan(p.received_total)} 元</span>`),
    sec("approved", T(pays, p.approved, "无"), `<span class="muted">${p.approved.length} 笔，共 ${GA.yuan(p.approved_total)} 元</span>`),
    sec("contracts", T([["role", "身份"], ["title", "名称"], ["amount", "金额（元）", "num"], ["date", "签订日期"],
      ["contractor", "承包方"], ["approver", "审批人", "person"]], p.contracts, "无")),
    sec("companies", T([["relation", "关系"], ["id", "统一社会信用代码"]], p.companies, "无")),
    sec("accounts", T([["kind", "类型"], ["value", "号码"]], p.accounts, "无")),
  ].join("");
})();
