// Shared helpers for the pages: API calls (the login cookie authenticates them), escaping, formatting.
"use strict";
const GA = {
  model: JSON.parse(document.getElementById("ga-model").textContent),
  me: JSON.parse(document.getElementById("ga-me").textContent),
  // organisation code → "乡镇 村" for every organisation the data names (graphaudit.places): codes are shown as names
  places: JSON.parse((document.getElementById("ga-places") || { textContent: "{}" }).textContent),
  place(code) { return GA.places[code] || code; },
  // a text with every known 9- or 12-digit code replaced by its name (graphaudit.places.CODE_RE)
  named(text) {
    return String(text ?? "").replace(/(?<![0-9*.,])(?:[0-9]{12}|[0-9]{9})(?![0-9*.])/g, (c, at, all) => {
      const n = GA.places[c], after = all.charAt(at + c.length);  // "东坪村" + "村RA1号": one 村
      return !n ? c : after && n.endsWith(after) && "村镇乡街道社区居委会".includes(after) ? n.slice(0, -1) : n;
    });
  },
  async api(path, options = {}) {
    const res = await fetch(path, Object.assign({ credentials: "same-origin",
      headers: { "Content-Type": "application/json" } }, options));
    if (res.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); return null; }
    const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
    if (!res.ok) { throw new Error((body && body.detail) || res.statusText); }
    return body;
  },
  esc(s) {
    return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  },
  yuan(x) { return Number(x || 0).toLocaleString("zh-CN", { maximumFractionDigits: 2 }); },
  sevClass(s) { return s >= 70 ? "sev-hi" : s >= 50 ? "sev-mid" : "sev-lo"; },
  propZh(label, k) { return GA.model.props[label + "." + k] || GA.model.props[k] || k; },
  card(ref) { return `/people/${encodeURIComponent(ref)}`; },
  // The 运行检查 button (#run-checks): start a background run (a county takes about half a minute), follow its
  // job in #run-status, say how many ``noun`` it found, then ``done()`` (reload the page's list).
  runChecks(noun, done) {
    const run = document.getElementById("run-checks");
    if (!run) return;
    run.onclick = async () => {
      run.disabled = true;
      const status = document.getElementById("run-status");
      status.textContent = "正在运行检查…";
      try {
        let job = await GA.api("/api/checks/run", { method: "POST", body: JSON.stringify({ wait: false }) });
        while (job.status === "running") {
          status.textContent = `正在运行检查（${job.done}/${job.total}）${job.current ? "：" + job.current : ""}…`;
          await new Promise((ok) => setTimeout(ok, 1000));
          job = await GA.api("/api/checks/jobs/" + job.id);
        }
        if (job.status !== "done") throw new Error(job.error || job.status);
        const n = Object.values(job.counts).reduce((a, b) => a + b, 0);
        status.textContent = `检查完成：${n} ${noun}，用时 ${job.seconds.toFixed(1)} 秒`;
        await done();
      } catch (e) { status.textContent = "运行失败：" + e.message; }
      run.disabled = false;
    };
  },
  props(node) {
    const rows = Object.entries(node.props || {}).filter(([k, v]) => k !== "label" && v !== "")
      .map(([k, v]) => [k, /(^|_)code$/.test(k) || (node.label === "Org" && k === "id") ? GA.place(v)
        : typeof v === "string" ? GA.named(v) : v])
      .map(([k, v]) => `<dt>${GA.esc(GA.propZh(node.label, k) === "村代码" ? "村" : GA.propZh(node.label, k))}</dt><dd>${GA.esc(v)}</dd>`).join("");
    const card = node.label === "Person" && node.ref ? ` <a class="card-link" href="${GA.card(node.ref)}">一人一档 →</a>` : "";
    return `<div><b>${GA.esc(node.caption)}</b> <span class="muted">${GA.esc(node.label_zh)}</span>${card}</div>
            <dl class="props">${rows}</dl>`;
  },
};
