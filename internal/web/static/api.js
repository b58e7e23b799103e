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
  // local formats an RFC 3339 time as it is written (the store's offset).
  local(s) {
    if (!s) return "";
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(s);
    return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}` : s;
  },
};
