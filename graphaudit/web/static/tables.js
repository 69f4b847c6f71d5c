// Tables for the case page and the person card: one helper that draws rows under Chinese headers, with links
// to people's cards; on a narrow screen each row becomes a block with its labels (CSS: table.rt).
"use strict";
const GATables = {
  // cols: [[key, 中文表头, kind]] — kind "num" (yuan), "person" (name linked to the card by key_ref), "case",
  // "household" (linked to the household's page 一户一档 by key_ref).
  table(cols, rows, empty = "无") {
    if (!rows || !rows.length) return `<p class="muted">${GA.esc(empty)}</p>`;
    const head = cols.map(([, zh, kind]) => `<th class="${kind === "num" ? "num" : ""}">${GA.esc(zh)}</th>`).join("");
    const body = rows.map((r) => "<tr>" + cols.map(([k, zh, kind]) => {
      let v = r[k];
      if (kind === "num") v = GA.yuan(v);
      else if (kind === "person") {
        const ref = (r[k + "_ref"] || {}).ref || r.ref;
        v = v && ref ? `<a href="${GA.card(ref)}">${GA.esc(v)}</a>` : GA.esc(v || "");
        return `<td data-label="${GA.esc(zh)}">${v}</td>`;
      } else if (kind === "household") {
        const ref = r[k + "_ref"];
        v = v && ref ? `<a href="/households/${encodeURIComponent(ref)}">${GA.esc(v)}</a>` : GA.esc(v || "");
        return `<td data-label="${GA.esc(zh)}">${v}</td>`;
      } else if (kind === "case") {
        return `<td data-label="${GA.esc(zh)}"><a href="/cases/${encodeURIComponent(v)}">${GA.esc(v)}</a></td>`;
      }
      return `<td data-label="${GA.esc(zh)}" class="${kind === "num" ? "num" : ""}">${GA.esc(v ?? "")}</td>`;
    }).join("") + "</tr>").join("");
    return `<div class="table-wrap"><table class="findings rt"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
  },
};
