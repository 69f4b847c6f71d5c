// The disposal panel of a case page: what was decided, handed off, fed back, reviewed and closed, by whom and
// when; the next step's form for a user whose role allows it (API: /api/cases/{id}/disposal and its steps).
"use strict";
(function () {
  const box = document.getElementById("disposal");
  if (!box) return;
  const id = box.dataset.case;
  const esc = GA.esc;
  const when = (s) => esc((s || "").slice(0, 16).replace("T", " "));
  const err = document.getElementById("disposal-error");
  const HANDED = ["谈话函询", "初步核实"];

  async function post(step, body) {
    err.textContent = "";
    try {
      await GA.api(`/api/cases/${encodeURIComponent(id)}/${step}`, { method: "POST", body: JSON.stringify(body) });
      location.reload();  // the review status and the history change too
    } catch (e) { err.textContent = e.message; }
  }

  function fileB64(file) {
    return new Promise((ok, fail) => {
      const r = new FileReader();
      r.onload = () => ok({ name: file.name, content_base64: String(r.result).split(",")[1] || "" });
      r.onerror = fail;
      r.readAsDataURL(file);
    });
  }

  function facts(d) {
    const rows = [];
    if (d.method) rows.push(["处置方式", d.method + (d.method_comment ? `（${d.method_comment}）` : "")]);
    if (d.handoff) rows.push(["交办", `${esc(d.handoff.to)} · 限 ${esc(d.handoff.due)} 前反馈` +
      (d.handoff.note ? `<br>${esc(d.handoff.note)}` : ""), true]);
    if (d.feedback) {
      const f = d.feedback;
      rows.push(["核实情况", f.facts]);
      rows.push(["清退人数", `${f.removed} 人`]);
      rows.push(["追缴金额", `${GA.yuan(f.recovered)} 元`]);
      if (f.measures) rows.push(["整改措施", f.measures]);
      if (f.files.length) rows.push(["附件", f.files.map((x) =>
        `<a href="/api/cases/${encodeURIComponent(id)}/files/${encodeURIComponent(x.stored)}">${esc(x.name)}</a>`).join("、"), true]);
    }
    if (d.feedback_review) rows.push(["审核", (d.feedback_review.accepted ? "通过" : "退回") +
      (d.feedback_review.comment ? `：${d.feedback_review.comment}` : "")]);
    if (d.closing) {
      rows.push(["处理结果", `${d.closing.form}（${d.forms[d.closing.form]}）`]);
      rows.push(["追缴到位", `${GA.yuan(d.closing.recovered)} 元`]);
      rows.push(["销号", `${d.closing.by} · ${(d.closing.at || "").slice(0, 16).replace("T", " ")}`]);
    }
    return rows.map(([k, v, html]) => `<dt>${esc(k)}</dt><dd>${html ? v : esc(v)}</dd>`).join("");
  }

  function action(d) {
    const may = d.may, s = d.stage;
    const today = new Date().toISOString().slice(0, 10);
    if (may.handoff && (s === "未处置" || s === "已定处置方式")) {
      const opts = d.methods.map((m) => `<option${m === d.method ? " selected" : ""}>${esc(m)}</option>`).join("");
      let html = `<form id="dispose-form"><label>处置方式<select name="method">${opts}</select></label>
        <label>处置意见<input name="comment" maxlength="2000"></label><button type="submit">确定处置方式</button></form>`;
      if (s === "已定处置方式" && HANDED.includes(d.method)) html += `<form id="handoff-form">
        <label>承办单位（部门或乡镇）<input name="to" required maxlength="200"></label>
        <label>反馈期限<input name="due" type="date" required min="${today}"></label>
        <label>交办要求<textarea name="note" rows="2"></textarea></label><button type="submit">交办</button></form>`;
      return html;
    }
    if (may.feedback && s === "已交办") return `<form id="feedback-form">
        <label>核实情况<textarea name="facts" rows="3" required></textarea></label>
        <div class="row2"><label>清退人数<input name="removed" type="number" min="0" value="0"></label>
        <label>追缴金额（元）<input name="recovered" type="number" min="0" step="0.01" value="0"></label></div>
        <label>整改措施<textarea name="measures" rows="2"></textarea></label>
        <label>附件（每个不超过 10 MB）<input name="files" type="file" multiple></label>
        <button type="submit">提交反馈</button></form>`;
    if (may.handoff && s === "已反馈") return `<form id="review-feedback-form">
        <label>审核意见<textarea name="comment" rows="2"></textarea></label>
        <div class="row2"><button type="submit" name="accept" value="1">审核通过</button>
        <button type="submit" name="accept" value="0" class="secondary">退回重新核查</button></div></form>`;
    const closable = s === "反馈已审核" || (s === "已定处置方式" && d.method === "予以了结");
    if (may.close && closable) {
      const forms = Object.entries(d.forms).map(([k, v]) => `<option value="${esc(k)}">${esc(k)}：${esc(v)}</option>`).join("");
      const rec = (d.feedback || {}).recovered || 0;
      return `<form id="close-form"><label>处理结果（四种形态）<select name="form">${forms}</select></label>
        <label>追缴金额（元）<input name="recovered" type="number" min="0" step="0.01" value="${rec}"></label>
        <label>销号意见<textarea name="comment" rows="2"></textarea></label><button type="submit">销号</button></form>`;
    }
    if (s !== "已销号" && closable) return `<p class="muted">待有销号权限的领导销号</p>`;
    return "";
  }

  function wire() {
    const on = (fid, fn) => { const f = document.getElementById(fid); if (f) f.addEventListener("submit", (e) => { e.preventDefault(); fn(f, e); }); };
    on("dispose-form", (f) => post("dispose", { method: f.method.value, comment: f.comment.value }));
    on("handoff-form", (f) => post("handoff", { to: f.to.value, due: f.due.value, note: f.note.value }));
    on("feedback-form", async (f) => {
      const files = await Promise.all([...f.files.files].map(fileB64));
      post("feedback", { facts: f.facts.value, removed: Number(f.removed.value || 0),
        recovered: Number(f.recovered.value || 0), measures: f.measures.value, files });
    });
    on("review-feedback-form", (f, e) => post("feedback-review",
      { accept: (e.submitter || {}).value !== "0", comment: f.comment.value }));
    on("close-form", (f) => post("close", { form: f.form.value, recovered: Number(f.recovered.value || 0), comment: f.comment.value }));
  }

  async function load() {
    let d;
    try { d = await GA.api(`/api/cases/${encodeURIComponent(id)}/disposal`); } catch (e) { err.textContent = e.message; return; }
    if (!d) return;
    const stage = document.getElementById("disposal-stage");
    stage.textContent = d.stage;
    stage.className = `tag stage stage-${d.stage}`;
    document.getElementById("disposal-overdue").hidden = !d.overdue;
    document.getElementById("disposal-facts").innerHTML = facts(d);
    document.getElementById("disposal-action").innerHTML = action(d);
    document.getElementById("disposal-steps").innerHTML = d.steps.slice().reverse().map((x) =>
      `<li><b>${esc(x.kind)}</b> · ${esc(x.by)} · ${when(x.at)}</li>`).join("");
    wire();
    window.gaDisposal = d;
  }
  load();
})();
