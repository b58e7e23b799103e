// bopis operations dashboard: the pickup report (GET /v1/reports/pickup)
// drawn as inline SVG charts, each with a title, axis labels, a text
// alternative (<title>/<desc>) and its figures in a table.
"use strict";
(() => {
  const $ = (sel) => document.querySelector(sel);
  const el = bopis.el;
  const NS = "http://www.w3.org/2000/svg";
  const STATUSES = ["placed", "accepted", "picking", "ready", "picked_up", "cancelled", "expired"];

  // svg builds an SVG element: svg("rect", {x: 1}, children...).
  function svg(tag, attrs, ...kids) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
    for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
    return e;
  }
  const pct = (v) => v === null || v === undefined ? "no data" : Math.round(v * 1000) / 10 + "%";
  const mins = (s) => s === null || s === undefined ? "no data" : (s / 60).toFixed(1) + " min";
  const ymd = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

  // niceMax rounds a maximum up to 1, 2, 4, 5, 6, 8 or 10 times a power of ten.
  function niceMax(max) {
    if (!(max > 0)) return 1;
    const p = 10 ** Math.floor(Math.log10(max));
    for (const m of [1, 2, 4, 5, 6, 8, 10]) if (m * p >= max) return m * p;
    return 10 * p;
  }

  // frame starts a chart: a <figure> with its heading, an <svg> of the
  // figure's width with <title> and <desc>, and a table of the figures.
  let chartNo = 0;
  function frame(host, title, desc, head, rows, height) {
    const id = "chart-" + (++chartNo);
    const fig = el("figure", { class: "chart", id: host });
    $("#charts").append(fig);
    const width = Math.max(280, Math.floor(fig.clientWidth - 20));
    const s = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-t ${id}-d` },
      svg("title", { id: id + "-t" }, title), svg("desc", { id: id + "-d" }, desc));
    fig.append(el("h2", {}, title), s,
      el("details", {}, el("summary", {}, "Figures"), el("div", { class: "scroll" }, el("table", {},
        el("caption", { class: "sr-only" }, title),
        el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c, i) => el(i ? "td" : "th", i ? {} : { scope: "row" }, c)))))))));
    return { fig, s, width, height };
  }

  // dayChart draws series over days: lines with points, or bars for one
  // series with bars set. Each series: {name, cls, values (null: none)}.
  function dayChart(host, { title, yLabel, days, series, max, tick, desc, rows, head, bars }) {
    const c = frame(host, title, desc, head, rows, 230);
    const L = 46, R = 12, T = 12, B = 44;
    const w = c.width - L - R, h = c.height - T - B, n = days.length;
    const top = max ?? niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null))));
    const y = (v) => T + h - (v / top) * h;
    const band = w / Math.max(n, 1);
    const x = (i) => bars ? L + band * (i + 0.5) : L + (n === 1 ? w / 2 : (i * w) / (n - 1));
    for (const f of [0, 0.25, 0.5, 0.75, 1]) {
      c.s.append(svg("line", { class: "grid", x1: L, x2: L + w, y1: y(top * f), y2: y(top * f) }),
        svg("text", { x: L - 4, y: y(top * f) + 4, "text-anchor": "end" }, tick(top * f)));
    }
    c.s.append(svg("line", { class: "axis", x1: L, x2: L, y1: T, y2: T + h }), svg("line", { class: "axis", x1: L, x2: L + w, y1: T + h, y2: T + h }));
    const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(w / 70))));
    days.forEach((d, i) => {
      if (i % every === 0 || i === n - 1 && n > 1 && (n - 1) % every > every / 2) {
        // Line charts put the first and last days on the plot's edges: keep their labels inside.
        const anchor = bars || n === 1 ? "middle" : i === 0 ? "start" : i === n - 1 ? "end" : "middle";
        c.s.append(svg("text", { x: x(i), y: T + h + 15, "text-anchor": anchor }, d.slice(5)));
      }
    });
    c.s.append(svg("text", { x: L + w / 2, y: c.height - 6, "text-anchor": "middle" }, "Day (store's local date, month-day)"),
      svg("text", { x: 12, y: T + h / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${T + h / 2})` }, yLabel));
    for (const s of series) {
      if (bars) {
        s.values.forEach((v, i) => {
          if (v !== null) c.s.append(svg("rect", { class: s.cls, x: x(i) - band * 0.35, width: band * 0.7, y: y(v), height: Math.max(0, T + h - y(v)) }));
        });
        continue;
      }
      let d = "";
      s.values.forEach((v, i) => {
        if (v === null) return;
        d += (i > 0 && s.values[i - 1] !== null ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1);
        c.s.append(svg("circle", { class: s.cls, cx: x(i), cy: y(v), r: 3 }));
      });
      if (d) c.s.append(svg("path", { class: s.cls + " line", d }));
    }
    if (series.every((s) => s.values.every((v) => v === null))) {
      c.s.append(svg("text", { class: "empty", x: L + w / 2, y: T + h / 2, "text-anchor": "middle" }, "Nothing to show in this range"));
    }
    if (series.length > 1) {
      c.fig.insertBefore(el("ul", { class: "legend", "aria-hidden": "true" },
        series.map((s) => el("li", {}, el("span", { class: "sw " + s.cls }), s.name))), c.fig.querySelector("details"));
    }
  }

  // barChart draws categories as horizontal bars, each label above its bar.
  function barChart(host, { title, items, xLabel, yLabel }) {
    const desc = items.length ? items.map((i) => `${i.label}: ${i.value}`).join("; ") : "none";
    const row = 34, T = 6, L = 28, R = 40, B = 40;
    const c = frame(host, title, `${title}. ${desc}.`, [yLabel, xLabel], items.map((i) => [i.label, i.value]),
      T + Math.max(1, items.length) * row + B);
    const w = c.width - L - R, h = Math.max(1, items.length) * row;
    const top = niceMax(Math.max(0, ...items.map((i) => i.value)));
    const x = (v) => L + (v / top) * w;
    for (const f of [0, 0.5, 1]) {
      const v = top * f;
      c.s.append(svg("line", { class: "grid", x1: x(v), x2: x(v), y1: T, y2: T + h }));
      if (Number.isInteger(v)) c.s.append(svg("text", { x: x(v), y: T + h + 14, "text-anchor": "middle" }, v));
    }
    items.forEach((it, i) => {
      const y0 = T + i * row;
      c.s.append(svg("text", { x: L + 4, y: y0 + 11 }, it.label),
        svg("rect", { class: "s1", x: L, y: y0 + 15, height: 13, width: Math.max(it.value > 0 ? 2 : 0, x(it.value) - L) }),
        svg("text", { x: x(it.value) + 4, y: y0 + 26 }, it.value));
    });
    if (!items.length) c.s.append(svg("text", { class: "empty", x: L + w / 2, y: T + row / 2 + 4, "text-anchor": "middle" }, "None in this range"));
    c.s.append(svg("line", { class: "axis", x1: L, x2: L, y1: T, y2: T + h }), svg("line", { class: "axis", x1: L, x2: L + w, y1: T + h, y2: T + h }),
      svg("text", { x: L + w / 2, y: c.height - 6, "text-anchor": "middle" }, xLabel),
      svg("text", { x: 12, y: T + h / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${T + h / 2})` }, yLabel));
  }

  // draw renders the figures of one store (or all together).
  let shown = null;
  function draw() {
    if (!shown) return;
    const { totals: t, days } = shown;
    const dates = days.map((d) => d.date);
    const withData = (f) => days.filter(f);
    $("#stats").replaceChildren(...[
      ["Orders placed", t.orders_placed],
      ["On-time ready", pct(t.ready.on_time_rate)],
      ["Curbside wait p50", mins(t.curbside_wait_seconds.p50)],
      ["Curbside wait p90", mins(t.curbside_wait_seconds.p90)],
      ["No-show rate", pct(t.no_show.rate)],
      ["Short-pick rate", pct(t.lines.short_pick_rate)],
      ["Substitution rate", pct(t.lines.substitution_rate)],
      ["Substitutes approved", pct(t.lines.approval_rate)],
    ].map(([k, v]) => el("li", {}, el("span", { class: "v" }, v), k)));
    $("#charts").replaceChildren();
    const rateTick = (v) => Math.round(v * 100) + "%";
    dayChart("c-ontime", {
      title: "On-time ready rate per day", yLabel: "Ready on time (%)", days: dates, max: 1, tick: rateTick,
      series: [{ name: "On time", cls: "s1", values: days.map((d) => d.ready.on_time_rate) }],
      desc: `Overall ${pct(t.ready.on_time_rate)} (${t.ready.on_time} of ${t.ready.orders} ready on time). ` +
        withData((d) => d.ready.orders).map((d) => `${d.date}: ${pct(d.ready.on_time_rate)} (${d.ready.on_time} of ${d.ready.orders})`).join("; "),
      head: ["Day", "Ready", "On time", "Rate"], rows: days.map((d) => [d.date, d.ready.orders, d.ready.on_time, pct(d.ready.on_time_rate)]),
    });
    const w = (d) => d.curbside_wait_seconds;
    const toMin = (v) => v === null ? null : v / 60;
    dayChart("c-wait", {
      title: "Curbside wait per day (p50 and p90)", yLabel: "Arrival to handoff (min)", days: dates,
      tick: (v) => (Math.round(v * 10) / 10).toString(),
      series: [{ name: "p50", cls: "s1", values: days.map((d) => toMin(w(d).p50)) }, { name: "p90", cls: "s2", values: days.map((d) => toMin(w(d).p90)) }],
      desc: `Overall p50 ${mins(w(t).p50)}, p90 ${mins(w(t).p90)}, average ${mins(w(t).average)} over ${w(t).count} waits. ` +
        withData((d) => w(d).count).map((d) => `${d.date}: p50 ${mins(w(d).p50)}, p90 ${mins(w(d).p90)} (${w(d).count} waits)`).join("; "),
      head: ["Day", "Waits", "Average", "p50", "p90"], rows: days.map((d) => [d.date, w(d).count, mins(w(d).average), mins(w(d).p50), mins(w(d).p90)]),
    });
    dayChart("c-noshow", {
      title: "No-show rate per day", yLabel: "Expired of closed (%)", days: dates, max: 1, tick: rateTick, bars: true,
      series: [{ name: "No-shows", cls: "s2", values: days.map((d) => d.no_show.rate) }],
      desc: `Overall ${pct(t.no_show.rate)} (${t.no_show.expired} expired, ${t.no_show.picked_up} picked up). ` +
        withData((d) => d.no_show.picked_up + d.no_show.expired).map((d) => `${d.date}: ${pct(d.no_show.rate)} (${d.no_show.expired} of ${d.no_show.picked_up + d.no_show.expired})`).join("; "),
      head: ["Day", "Picked up", "Expired", "Rate"], rows: days.map((d) => [d.date, d.no_show.picked_up, d.no_show.expired, pct(d.no_show.rate)]),
    });
    const l = (d) => d.lines;
    dayChart("c-lines", {
      title: "Short-pick and substitution rates per day", yLabel: "Of lines picked (%)", days: dates, max: 1, tick: rateTick,
      series: [{ name: "Short picks", cls: "s2", values: days.map((d) => l(d).short_pick_rate) },
        { name: "Substitutions", cls: "s1", values: days.map((d) => l(d).substitution_rate) }],
      desc: `Overall short picks ${pct(l(t).short_pick_rate)}, substitutions ${pct(l(t).substitution_rate)} of ${l(t).picked} lines picked; ` +
        `${pct(l(t).approval_rate)} of answered substitutes approved. ` +
        withData((d) => l(d).picked).map((d) => `${d.date}: short ${pct(l(d).short_pick_rate)}, substitution ${pct(l(d).substitution_rate)} (${l(d).picked} lines)`).join("; "),
      head: ["Day", "Lines picked", "Short", "Short rate", "Substitutes", "Substitution rate", "Approved"],
      rows: days.map((d) => [d.date, l(d).picked, l(d).short, pct(l(d).short_pick_rate), l(d).substitutes_proposed, pct(l(d).substitution_rate), pct(l(d).approval_rate)]),
    });
    barChart("c-cancel", { title: "Cancellations by reason", xLabel: "Orders cancelled", yLabel: "Reason",
      items: t.cancellations.map((c) => ({ label: c.reason, value: c.count })) });
    barChart("c-status", { title: "Orders by state now", xLabel: "Orders placed in the range", yLabel: "State",
      items: STATUSES.map((s) => ({ label: s.replace("_", " "), value: t.by_status[s] || 0 })) });
  }
  let resizing;
  window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(draw, 200); });

  // ---- report ----
  let download = "";
  async function load() {
    const store = $("#store").value;
    const q = new URLSearchParams({ from: $("#from").value, to: $("#to").value });
    if (store) q.set("store_id", store);
    $("#range-status").textContent = "Loading…";
    try {
      const rep = await bopis.api("GET", "/v1/reports/pickup?" + q);
      shown = store ? rep.stores[0] : { totals: rep.totals, days: rep.days };
      if (download) URL.revokeObjectURL(download);
      download = URL.createObjectURL(new Blob([JSON.stringify(rep, null, 2)], { type: "application/json" }));
      $("#download").href = download;
      $("#download").download = `pickup-report-${store || "all"}-${q.get("from")}-${q.get("to")}.json`;
      $("#report").hidden = false;
      draw();
      $("#range-status").textContent = `Showing ${store || "all stores"} from ${q.get("from")} to ${q.get("to")}.`;
    } finally {
      if ($("#range-status").textContent === "Loading…") $("#range-status").textContent = "";
    }
  }
  $("#range").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("#range-error").textContent = "";
    try { await load(); } catch (e) { $("#range-error").textContent = e.message; }
  });

  // ---- sign in ----
  async function signIn(key) {
    bopis.setKey(key);
    let stores;
    try {
      const today = ymd(new Date());
      await bopis.api("GET", `/v1/reports/pickup?from=${today}&to=${today}`); // admin and store keys only
      stores = (await bopis.api("GET", "/v1/stores?limit=500")).data;
    } catch (e) {
      bopis.signOut();
      throw e.status === 403 ? new Error("This key cannot read reports: sign in with an admin or store key.") : e;
    }
    $("#store").replaceChildren(el("option", { value: "" }, "All stores"),
      ...stores.filter((s) => s.type !== "warehouse").map((s) => el("option", { value: s.id }, s.id + " · " + s.name)));
    const to = new Date(), from = new Date();
    from.setDate(from.getDate() - 29);
    $("#from").value = ymd(from);
    $("#to").value = ymd(to);
    $("#signin").hidden = true;
    $("#board").hidden = false;
  }
  $("#signin").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("#signin-error").textContent = "";
    try { await signIn($("#key").value.trim()); } catch (e) { $("#signin-error").textContent = e.message; }
  });
  $("#signout").addEventListener("click", () => { bopis.signOut(); location.reload(); });
  if (bopis.key()) signIn(bopis.key()).catch((e) => { $("#signin-error").textContent = e.message; });
})();
