// bopis page helpers: the API key typed at sign-in (kept in this tab's
// sessionStorage only) and a fetch that sends it.
"use strict";
const bopis = {
  key() { return sessionStorage.getItem("bopis.key") || ""; },
  setKey(k) { sessionStorage.setItem("bopis.key", k); },
  signOut() { sessionStorage.removeItem("bopis.key"); },
  // api calls the JSON API; it throws an Error with the problem's detail.
  async api(method, path, body) {
    const opts = { method, headers: { "Authorization": "Bearer " + bopis.key() } };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    const res = await fetch(path, opts);
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const where = data && data.errors ? data.errors.map(e => (e.location || "") + ": " + e.message).join("; ") : "";
      const err = new Error((data && (data.detail || data.title)) + (where ? " (" + where + ")" : ""));
      err.status = res.status;
      throw err;
    }
    return data;
  },
  // el builds an element: el("li", {class: "card"}, "text", child, ...).
  el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
    return e;
  },
  // time writes a moment as a person reads it on every page, as the
  // server's bopis.FormatTime does in messages: the reader's locale, the
  // store's time zone tz (an IANA name), labelled: "Mon, Dec 7, 3:00 PM EST".
  // Without tz, the reader's own zone, labelled too.
  time(s, tz) { return bopis.format(s, tz, true); },
  // clock is the time of day alone, labelled: "3:00 PM EST".
  clock(s, tz) { return bopis.format(s, tz, false); },
  // window is a pickup window: "Mon, Dec 7, 3:00 PM EST – 4:00 PM EST".
  window(start, end, tz) { return end ? bopis.time(start, tz) + " – " + bopis.clock(end, tz) : bopis.time(start, tz); },
  formats: new Map(),
  format(s, tz, withDate) {
    if (!s) return "";
    const d = new Date(s);
    if (isNaN(d)) return String(s);
    const key = (tz || "") + (withDate ? "|d" : "|c");
    let f = bopis.formats.get(key);
    if (!f) {
      const opts = { hour: "numeric", minute: "2-digit", timeZoneName: "short" };
      if (withDate) Object.assign(opts, { weekday: "short", month: "short", day: "numeric" });
      try { f = new Intl.DateTimeFormat(undefined, { ...opts, timeZone: tz || undefined }); } catch { f = new Intl.DateTimeFormat(undefined, opts); }
      bopis.formats.set(key, f);
    }
    return f.format(d);
  },
  // product is how a person reads a SKU: its name, with the code after
  // it ("Whole Milk 1 gal · MILK-1"), or the code alone when it has no
  // name. k is a SKU or an order line ({sku, name}).
  product(k) { return k.name ? k.name + " · " + k.sku : k.sku; },
};
