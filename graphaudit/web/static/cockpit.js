// The statistics cockpit: the figures of /api/cockpit (the same as `graphaudit report`) drawn by the vendored
// ECharts; a click on a bar or a slice opens the case list filtered to it.
"use strict";
(function () {
  const monthEl = document.getElementById("month");
  const params = new URLSearchParams(location.search);
  monthEl.value = params.get("month") || new Date().toISOString().slice(0, 7);
  const charts = {};
  window.gaCharts = charts;
  const go = (qs) => { location.href = "/cases?" + new URLSearchParams(qs); };
  const label = (r) => r.name || r.code;
  const wan = (v) => (Math.abs(v) >= 10000 ? `${+(v / 10000).toFixed(1)}万` : String(v));

  function chart(id, option, onClick) {
    const el = document.getElementById(id);
    const c = charts[id] || echarts.init(el, null, { renderer: "canvas" });
    c.setOption(option, true);
    c.off("click");
    if (onClick) c.on("click", (p) => onClick(p));
    charts[id] = c;
    return c;
  }

  function bars(rows, names, key, title) {
    return {
      tooltip: { trigger: "axis" }, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "value" }, yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ type: "bar", name: title, data: rows.map((r) => r[key]), itemStyle: { color: "#c0392b" } }],
    };
  }

  function pie(rows, key, title) {
    return {
      tooltip: { trigger: "item", formatter: "{b}：{c} 条（{d}%）" }, legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", name: title, radius: ["35%", "65%"], top: -20,
        data: rows.filter((r) => r.cases > 0).map((r) => ({ name: r[key], value: r.cases })) }],
    };
  }

  function villages(town) {
    document.getElementById("village-of").textContent = `（${label(town)}）`;
    const vs = town.villages.slice(0, 30);
    chart("chart-village", bars(vs, vs.map(label), "cases", "线索数"), (p) => go({ org: vs[p.dataIndex].code }));
  }

  function render(f) {
    window.gaCockpit = f;
    const t = f.totals;
    const cards = [["线索总数", t.cases, { month: "" }], ["涉及金额（元）", GA.yuan(t.amount)],
      ["本月新增", t.new_this_month, { month: f.month }], ["本月销号", t.closed_this_month],
      ["累计追缴（元）", GA.yuan(t.recovered)], ["本月追缴（元）", GA.yuan(t.recovered_this_month)],
      ["清退人数", t.removed], ["逾期未反馈", t.overdue, { stage: "逾期" }]];
    document.getElementById("totals").innerHTML = cards.map(([k, v, q], i) =>
      `<div class="stat${q ? " link" : ""}" data-i="${i}" id="total-${i}"><b>${GA.esc(Number.isFinite(v) ? v.toLocaleString("zh-CN") : v)}</b><span>${GA.esc(k)}</span></div>`).join("");
    document.querySelectorAll("#totals .stat.link").forEach((el) => el.addEventListener("click", () => {
      const q = cards[Number(el.dataset.i)][2]; go(Object.fromEntries(Object.entries(q).filter(([, v]) => v))); }));
    const towns = f.by_township.slice(0, 30);
    chart("chart-town", bars(towns, towns.map(label), "cases", "线索数"), (p) => {
      const town = towns[p.dataIndex];
      if (document.getElementById("village-of").textContent === `（${label(town)}）`) go({ org: town.code });
      else villages(town);
    });
    if (towns.length) villages(towns[0]); else chart("chart-village", bars([], [], "cases", "线索数"));
    chart("chart-money", {
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: wan } },
      yAxis: { type: "category", data: towns.map(label), inverse: true },
      series: [{ type: "bar", name: "涉及金额", data: towns.map((r) => r.amount), itemStyle: { color: "#e67e22" } },
               { type: "bar", name: "追缴金额", data: towns.map((r) => r.recovered), itemStyle: { color: "#27ae60" } }],
    }, (p) => go({ org: towns[p.dataIndex].code }));
    chart("chart-check", bars(f.by_check, f.by_check.map((r) => r.title), "cases", "线索数"),
      (p) => go({ check: f.by_check[p.dataIndex].check }));
    chart("chart-month", {
      tooltip: { trigger: "axis" }, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: f.by_month.map((r) => r.month) }, yAxis: { type: "value" },
      series: [{ type: "bar", name: "新发现线索", data: f.by_month.map((r) => r.cases), itemStyle: { color: "#2c7be5" } }],
    }, (p) => go({ month: f.by_month[p.dataIndex].month }));
    chart("chart-status", pie(f.by_status, "status", "核查状态"), (p) => go({ status: p.name }));
    chart("chart-disposal", pie(f.by_disposal, "stage", "处置阶段"), (p) => go({ stage: p.name }));
    document.body.dataset.rendered = "1";
  }

  async function load() {
    const f = await GA.api("/api/cockpit?month=" + encodeURIComponent(monthEl.value));
    if (f) render(f);
  }
  monthEl.addEventListener("change", () => { history.replaceState(null, "", "?month=" + monthEl.value); load(); });
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  load();
})();
