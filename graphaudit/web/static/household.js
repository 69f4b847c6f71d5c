// 一户一档: a household's page — members, the cases touching any of them, programmes, approvers, every
// payment received or approved, posts held and accounts (/api/households/{ref}).
"use strict";
(async function () {
  const head = document.getElementById("household-head");
  let h;
  try { h = await GA.api("/api/households/" + encodeURIComponent(head.dataset.ref)); }
  catch (e) { head.innerHTML = `<div class="error">${GA.esc(e.message)}</div>`; return; }
  if (!h) return;
  document.title = `${h.head || h.id} 户 · 一户一档 · 基层监督线索核查`;
  head.innerHTML = `<h1 id="household-name">${GA.esc(h.head || "（无户主）")} 户 <span class="muted">户号 ${GA.esc(h.id)}</span></h1>
    <div class="facts" id="household-facts"><span>村 <b>${GA.esc(h.village)}</b></span>
      <span>住址 <b>${GA.esc(h.address)}</b></span><span>成员 <b>${h.members.length}</b> 人</span>
      <span>领取补贴 <b>${h.received.length}</b> 笔，共 <b>${GA.yuan(h.received_total)}</b> 元</span>
      <span>涉及线索 <b>${h.cases.length}</b> 条</span></div>`;
  const S = h.sections, T = GATables.table;
  const sec = (key, inner, extra = "") =>
    `<section class="panel" id="sec-${key}"><div class="panel-title">${GA.esc(S[key])} ${extra}</div>${inner}</section>`;
  const pays = [["date", "日期"], ["program", "项目"], ["amount", "金额（元）", "num"], ["approver", "审批人", "person"],
    ["recipient", "领取人", "person"], ["village", "村"], ["bank_account", "账号"]];
  document.getElementById("household-sections").innerHTML = [
    sec("members", T([["name", "姓名", "person"], ["relation", "与户主关系"], ["status", "状态"], ["posts", "任职"]],
      h.members), `<span class="muted">${h.members.length} 人</span>`),
    sec("cases", T([["case_id", "线索编号", "case"], ["checks", "检查"], ["members", "涉及成员"], ["status", "状态"],
      ["amount", "金额（元）", "num"], ["explanation", "说明"]], h.cases.map((c) => ({ ...c, checks: c.checks.join("、") })),
      "未涉及线索"), `<span class="muted">${h.cases.length} 条</span>`),
    sec("programs", T([["program", "项目"], ["count", "笔数"], ["amount", "金额（元）", "num"]], h.programs, "无")),
    sec("approvers", T([["approver", "审批人", "person"], ["member", "本户成员"], ["count", "笔数"],
      ["amount", "金额（元）", "num"]], h.approvers, "无")),
    sec("received", T(pays, h.received, "无"), `<span class="muted">${h.received.length} 笔，共 ${GA.yuan(h.received_total)} 元</span>`),
    sec("approved", T(pays, h.approved, "无"), `<span class="muted">${h.approved.length} 笔，共 ${GA.yuan(h.approved_total)} 元</span>`),
    sec("posts", T([["name", "姓名", "person"], ["title", "职务"], ["org", "单位"], ["start", "开始"], ["end", "结束"]],
      h.posts, "无任职记录")),
    sec("accounts", T([["name", "姓名", "person"], ["kind", "类型"], ["value", "号码"]], h.accounts, "无")),
  ].join("");
})();
