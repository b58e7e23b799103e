// Store associate app (/app): sign in with a store key, follow the store's
// queue live, and work an order: accept, pick, stage, hand over, cancel.
// The queue follows the store's order stream; EventSource cannot send an
// Authorization header (and keys never go in URLs), so the stream is read
// with fetch(). An event only says something changed: the page then reads
// the queue again, so a missed or repeated event costs nothing.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const el = bopis.el;
  const enc = encodeURIComponent;
  const OPEN = ["placed", "accepted", "picking", "ready"];
  const STATUS = { placed: "New", accepted: "Accepted", picking: "Picking", ready: "Ready",
    picked_up: "Picked up", cancelled: "Cancelled", expired: "Expired" };
  const METHOD = { in_store: "In store", curbside: "Curbside" };
  const LOST_KEY = "The key no longer reaches this store: sign in again.";

  let store = "";      // the signed-in store's id
  let zone = "";       // its time zone: every time is written in it, labelled
  let session = 0;     // bumped at sign-in and sign-out: stale loads and streams stop
  let stream = null;   // the stream's AbortController
  let connected = false;
  let lastEventId = 0; // where the stream resumes after a reconnect
  let skew = 0;        // the server's clock minus this device's
  let known = null;    // the last queue's ids and arrivals, to announce what is new
  let openId = "";     // the order shown in detail
  let actionsKey = ""; // what the detail's forms were built for: kept while it holds
  let busy = false;    // an action is on its way

  const announce = (msg) => { $("live").textContent = msg; };
  const now = () => Date.now() + skew;
  const plain = (e) => e.message.replace(/ \([^()]*\)$/, ""); // without the field list
  const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
  const hhmm = (s) => bopis.clock(s, zone);
  const when = (s) => el("time", { datetime: s }, bopis.time(s, zone));
  const product = (l) => l.name || l.sku; // a line's product as a person reads it
  // thumb is a product's picture, or nothing; the name beside it says what it is.
  const thumb = (url, size) => url ? el("img", { class: "thumb", src: url, alt: "", width: size, height: size, loading: "lazy" }) : null;
  const label = (o) => (o.external_id ? o.external_id + " · " : "") + "#" + o.id.slice(-6);
  const pickupLines = (o) => o.lines.filter((l) => l.fulfillment !== "ship");
  const who = (o) => (o.pickup_person && o.pickup_person.name) || o.customer.name;

  function waiting(since) {
    const m = Math.max(0, Math.floor((now() - Date.parse(since)) / 60000));
    return m < 1 ? "Just arrived" : "Waiting " + m + " min";
  }
  // Minutes waiting move on without the server.
  function tick() {
    for (const e of document.querySelectorAll("[data-since]")) e.textContent = waiting(e.dataset.since);
  }
  setInterval(tick, 60000);

  function badge(status) {
    const tone = { ready: " ok", picked_up: " ok", placed: " warn", cancelled: " alert", expired: " alert" }[status] || "";
    return el("span", { class: "badge" + tone }, STATUS[status] || status);
  }

  // --- signing in and out ---

  $("signin").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = $("store-id").value.trim(), key = $("api-key").value.trim();
    if (!id || !key) {
      $("signin-error").textContent = "Enter the store id and the store's API key.";
      (id ? $("api-key") : $("store-id")).focus();
      return;
    }
    bopis.setKey(key);
    signIn(id, true);
  });

  async function signIn(id, typed) {
    try {
      const s = await bopis.api("GET", "/v1/stores/" + enc(id));
      sessionStorage.setItem("bopis.store", s.id);
      start(s, typed);
    } catch (e) {
      bopis.signOut();
      sessionStorage.removeItem("bopis.store");
      $("api-key").value = "";
      $("signin-error").textContent = { 401: "That API key is not valid.", 403: "That key does not reach store " + id + ".",
        404: "There is no store " + id + "." }[e.status] || "Cannot sign in: " + e.message;
      (e.status === 404 ? $("store-id") : $("api-key")).focus();
    }
  }

  function start(s, typed) {
    store = s.id;
    zone = s.time_zone || "";
    session++;
    $("api-key").value = "";
    $("signin-error").textContent = "";
    $("signin").hidden = true;
    $("work").hidden = false;
    $("app-title").textContent = s.name ? s.name + " (" + s.id + ")" : "Store " + s.id;
    known = null;
    lastEventId = 0;
    connected = false;
    $("conn").textContent = "Connecting…";
    $("conn").className = "badge warn";
    showQueue();
    if (typed) $("app-title").focus();
    follow(session);
    refresh();
  }

  $("signout").addEventListener("click", () => signOut(""));

  function signOut(msg) {
    session++;
    if (stream) stream.abort();
    bopis.signOut();
    sessionStorage.removeItem("bopis.store");
    store = openId = "";
    known = null;
    for (const id of ["q-arrived", "q-new", "q-picking", "q-ready", "detail-info", "detail-actions"]) $(id).replaceChildren();
    $("queue-error").textContent = $("detail-error").textContent = "";
    $("work").hidden = true;
    $("signin").hidden = false;
    $("app-title").textContent = "Store";
    $("signin-error").textContent = msg;
    $("store-id").focus();
    announce(msg || "Signed out.");
  }

  // --- the live stream ---

  function setConn(on) {
    if (on === connected) return;
    if (!on && store && $("conn").textContent === "Live") announce("Connection lost: reconnecting.");
    connected = on;
    $("conn").textContent = on ? "Live" : "Reconnecting…";
    $("conn").className = "badge " + (on ? "ok" : "warn");
  }

  async function follow(my) {
    let wait = 1000;
    while (my === session) {
      const ctrl = new AbortController();
      stream = ctrl;
      // Pings come every 15 s: 45 s of silence means a dead connection.
      let quiet;
      const watch = () => {
        clearTimeout(quiet);
        quiet = setTimeout(() => { ctrl.stale = true; ctrl.abort(); }, 45000);
      };
      try {
        watch();
        const res = await fetch("/v1/stores/" + enc(store) + "/orders/stream" + (lastEventId ? "?after=" + lastEventId : ""),
          { headers: { "Authorization": "Bearer " + bopis.key(), "Accept": "text/event-stream" }, signal: ctrl.signal, cache: "no-store" });
        if (res.status === 401 || res.status === 403) {
          clearTimeout(quiet);
          if (my === session) signOut(LOST_KEY);
          return;
        }
        if (!res.ok) throw new Error("the stream answered " + res.status);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          watch();
          buf += value.replace(/\r\n?/g, "\n");
          for (let cut; (cut = buf.indexOf("\n\n")) >= 0; buf = buf.slice(cut + 2)) handle(parse(buf.slice(0, cut)));
          wait = 1000;
        }
      } catch (e) {
        if (ctrl.signal.aborted && !ctrl.stale) return; // signed out
      } finally {
        clearTimeout(quiet);
      }
      if (my !== session) return;
      setConn(false);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 30000);
    }
  }

  // parse reads one server-sent event (text/event-stream).
  function parse(block) {
    const ev = { event: "message", id: "", data: "" };
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "data") ev.data += (ev.data ? "\n" : "") + value;
      else if (field === "event" || field === "id") ev[field] = value;
    }
    return ev;
  }

  function handle(ev) {
    let d;
    try { d = JSON.parse(ev.data); } catch { return; }
    if (ev.event === "ping") {
      skew = Date.parse(d.now) - Date.now();
      lastEventId = Math.max(lastEventId, d.last_event_id || 0);
      tick();
      if (!connected) { // (re)connected: catch up on what happened meanwhile
        if ($("conn").textContent === "Reconnecting…" && known) announce("Live again.");
        setConn(true);
        refresh();
      }
    } else if (ev.event === "order") {
      lastEventId = Math.max(lastEventId, Number(ev.id) || 0);
      refresh();
    }
  }

  // --- the queue ---

  let loading = false, stale = false;
  // refresh reads the queue (and the open order) again; calls while one
  // is on its way make one more after it.
  async function refresh() {
    if (loading) { stale = true; return; }
    loading = true;
    stale = false;
    const my = session;
    try {
      await loadQueue(my);
      if (openId) await loadDetail(my, false);
    } finally {
      loading = false;
      if (stale) refresh();
    }
  }

  async function pages(path) {
    const out = [];
    let cursor = "";
    do {
      const p = await bopis.api("GET", path + (cursor ? "&cursor=" + enc(cursor) : ""));
      out.push(...p.data);
      cursor = p.next_cursor;
    } while (cursor && out.length < 2000);
    return out;
  }

  async function loadQueue(my) {
    try {
      const lists = await Promise.all(OPEN.map((s) => pages("/v1/orders?store_id=" + enc(store) + "&status=" + s + "&limit=200")));
      if (my !== session) return;
      $("queue-error").textContent = "";
      showQueueOrders(lists.flat());
    } catch (e) {
      if (my !== session) return;
      if (e.status === 401 || e.status === 403) return signOut(LOST_KEY);
      $("queue-error").textContent = "Cannot update the queue: " + e.message;
    }
  }

  function showQueueOrders(orders) {
    const focused = document.activeElement && document.activeElement.dataset.key;
    const arrived = orders.filter((o) => o.arrived_at).sort((a, b) => Date.parse(a.arrived_at) - Date.parse(b.arrived_at));
    fill("arrived", arrived, true);
    fill("new", orders.filter((o) => o.status === "placed"));
    fill("picking", orders.filter((o) => o.status === "accepted" || o.status === "picking"));
    fill("ready", orders.filter((o) => o.status === "ready"));
    if (focused) { // the lists were rebuilt: keep the keyboard where it was
      const again = [...document.querySelectorAll("#queue [data-key]")].find((b) => b.dataset.key === focused);
      if (again) again.focus();
    }
    const ids = new Set(orders.map((o) => o.id)), here = new Set(arrived.map((o) => o.id));
    if (known) {
      const news = [
        ...orders.filter((o) => o.status === "placed" && !known.ids.has(o.id))
          .map((o) => "New order " + label(o) + ", due " + hhmm(o.promised_ready_at) + "."),
        ...arrived.filter((o) => !known.here.has(o.id))
          .map((o) => "Customer arrived for order " + label(o) + spot(o) + "."),
      ];
      if (news.length) announce(news.join(" "));
    }
    known = { ids, here };
  }

  // spot says where an arrived customer waits: a curbside car's spot and
  // vehicle, or the counter for an in-store pickup.
  function spot(o) {
    const a = o.arrival || {};
    if (o.method !== "curbside") return ", at the counter";
    return (a.parking_spot ? ", spot " + a.parking_spot : "") + (a.vehicle ? ", " + a.vehicle : "");
  }
  // where is the arrival board's line for o: by its method.
  function where(o) {
    const a = o.arrival || {};
    if (o.method !== "curbside") return ["In store: at the pickup counter"];
    return ["Curbside: spot " + (a.parking_spot || "not given"), " · ", a.vehicle || "vehicle not given"];
  }

  function fill(name, list, board) {
    $("n-" + name).textContent = list.length;
    $("q-" + name).replaceChildren(...(list.length ? list.map((o) => card(o, name, board))
      : [el("li", { class: "empty" }, board ? "No one is waiting." : "None.")]));
  }

  function card(o, section, board) {
    return el("li", { class: "order" + (board ? " arrived" : ""), "data-order": o.id },
      el("h3", {}, label(o)),
      board ? [
        el("p", { class: "spot" }, where(o)),
        el("p", { class: "waiting", "data-since": o.arrived_at }, waiting(o.arrived_at)),
      ] : null,
      el("p", {}, badge(o.status), " ", el("span", { class: "badge" }, METHOD[o.method] || o.method),
        o.arrived_at && !board ? [" ", el("span", { class: "badge alert" }, "Arrived")] : null),
      el("p", {}, "Due ", when(o.promised_ready_at), " · for ", who(o)),
      o.staging_location ? el("p", {}, "Staged at ", el("strong", {}, o.staging_location)) : null,
      el("ul", { class: "lines", "aria-label": "Lines" }, pickupLines(o).map((l) => el("li", {}, thumb(l.image_url, 32),
        el("span", {}, l.quantity + " × " + product(l))))),
      el("button", { type: "button", "data-key": section + ":" + o.id, onclick: () => openOrder(o.id) },
        "Open", el("span", { class: "sr-only" }, " order " + label(o))));
  }

  function showQueue() {
    openId = "";
    $("detail").hidden = true;
    $("queue").hidden = false;
  }

  // --- one order ---

  async function openOrder(id) {
    openId = id;
    actionsKey = "";
    $("queue").hidden = true;
    $("detail").hidden = false;
    $("detail-title").textContent = "Order";
    $("detail-info").replaceChildren(el("p", { class: "muted" }, "Loading…"));
    $("detail-actions").replaceChildren();
    $("detail-error").textContent = "";
    $("detail-title").focus();
    await loadDetail(session, true);
  }

  $("back").addEventListener("click", () => {
    const id = openId;
    showQueue();
    const li = [...document.querySelectorAll("#queue [data-order]")].find((e) => e.dataset.order === id);
    if (li) li.querySelector("button").focus(); else $("app-title").focus();
  });

  async function loadDetail(my, first) {
    const id = openId;
    try {
      const o = await bopis.api("GET", "/v1/orders/" + enc(id));
      if (my !== session || id !== openId) return;
      const before = $("detail").dataset.status;
      showOrder(o);
      if (!first && before && before !== o.status) announce("Order " + label(o) + " is now " + STATUS[o.status].toLowerCase() + ".");
    } catch (e) {
      if (my === session && id === openId) $("detail-error").textContent = "Cannot read the order: " + e.message;
    }
  }

  // showOrder shows o; its forms are rebuilt only when what they are for
  // changed, so what the associate is typing survives live updates. It
  // reports whether they were rebuilt.
  function showOrder(o) {
    $("detail").dataset.status = o.status;
    $("detail-title").textContent = "Order " + label(o);
    $("detail-info").replaceChildren(info(o));
    const key = [o.status, o.handoff_locked_until || "",
      ...o.lines.map((l) => l.id + ":" + l.status + ":" + (l.substitute ? l.substitute.status : ""))].join("|");
    if (key === actionsKey) return false;
    actionsKey = key;
    $("detail-actions").replaceChildren(actions(o));
    return true;
  }

  function info(o) {
    const a = o.arrival || {};
    const p = o.pickup_person || o.customer;
    const w = o.pickup_window || {};
    return el("div", {},
      el("p", {}, badge(o.status), " ", el("span", { class: "badge" }, METHOD[o.method] || o.method),
        o.arrived_at && OPEN.includes(o.status) ? [" ", el("span", { class: "badge alert" }, "Arrived")] : null),
      el("ul", { class: "facts" },
        el("li", {}, "Due ", when(o.promised_ready_at), w.end ? " (pickup " + hhmm(w.start) + "–" + hhmm(w.end) + ")" : ""),
        el("li", {}, "For ", p.name, p.phone ? " · " + p.phone : ""),
        o.staging_location ? el("li", {}, "Staged at ", el("strong", {}, o.staging_location)) : null,
        o.hold_until && o.status === "ready" ? el("li", {}, "Held until ", when(o.hold_until)) : null,
        o.arrived_at && OPEN.includes(o.status) ? el("li", { class: "arrived-fact" }, el("strong", {}, "Arrived"),
          spot(o), " · ", el("span", { "data-since": o.arrived_at }, waiting(o.arrived_at))) : null,
        o.handoff_locked_until && Date.parse(o.handoff_locked_until) > now()
          ? el("li", { class: "error" }, "Handoff locked until ", when(o.handoff_locked_until), " (too many wrong codes)") : null,
        o.picked_up_at ? el("li", {}, "Picked up ", when(o.picked_up_at)) : null,
        o.cancel_reason ? el("li", {}, "Cancelled: ", o.cancel_reason) : null,
        el("li", { class: "muted" }, "Order id ", o.id)),
      el("h3", {}, "Lines"),
      el("ul", { class: "lines", id: "detail-lines" }, o.lines.map(lineInfo)));
  }

  function lineInfo(l) {
    if (l.fulfillment === "ship") return el("li", {}, thumb(l.image_url, 48), el("span", {}, l.quantity + " × " + product(l) + ": shipped, not picked here"));
    const got = l.picked_quantity === null || l.picked_quantity === undefined ? "" : "picked " + l.picked_quantity + " of " + l.quantity;
    const status = {
      open: "to pick", picked: got, short: "short, " + got, substitution_proposed: "short, " + got,
      substituted: "short, " + got, rerouted: "short, " + got + "; the rest goes to order " + l.linked_order_id,
    }[l.status] || l.status;
    const s = l.substitute;
    let sub = null;
    if (s) {
      const state = s.status === "proposed" ? "waiting for the customer's answer (until " + hhmm(s.answer_by) + ")"
        : s.status === "approved" ? "approved by the customer: hand it over"
        : s.answered_by === "timeout" ? "rejected (no answer in time)" : "rejected by the customer";
      sub = el("div", { class: "sub" }, "Substitute " + s.quantity + " × " + (s.name || s.sku) + ": ", el("strong", {}, state));
    }
    return el("li", { "data-line": l.id }, thumb(l.image_url, 48),
      el("div", {}, el("strong", {}, l.quantity + " × " + product(l)), ": " + status,
        el("div", { class: "where" }, l.shelf ? el("span", { class: "shelf" }, l.shelf) : null,
          l.minimum_age ? el("span", { class: "badge warn" }, "ID check: " + l.minimum_age + "+") : null,
          el("span", { class: "muted" }, "SKU " + l.sku)),
        sub));
  }

  function actions(o) {
    const box = el("div", { class: "actions" });
    const open = o.lines.filter((l) => l.fulfillment !== "ship" && l.status === "open");
    if (o.status === "placed") {
      box.append(el("button", { type: "button", id: "accept", onclick: (e) => act(o, "accept", undefined, e.currentTarget,
        () => "Accepted: pick the lines.") }, "Accept order"));
    }
    if ((o.status === "accepted" || o.status === "picking") && open.length) box.append(pickForm(o, open));
    if (o.status === "picking" && !open.length) box.append(readyForm(o));
    if (o.status === "ready") box.append(handoffForm(o));
    if (OPEN.includes(o.status)) box.append(cancelForm(o));
    else box.append(el("p", {}, "Nothing more to do: the order is " + STATUS[o.status].toLowerCase() + "."));
    return box;
  }

  // invalid marks a field at fault, says why, and takes the keyboard there.
  function invalid(input, msg) {
    input.setAttribute("aria-invalid", "true");
    $("detail-error").textContent = msg;
    input.focus();
  }

  // form builds an action's form; a form inside a <details> is named by
  // its summary instead of a heading.
  function form(heading, fields, button, onSubmit, opts = {}) {
    const id = "h-" + heading.toLowerCase().replace(/\W+/g, "-");
    const f = el("form", { novalidate: true, "aria-labelledby": opts.untitled ? undefined : id,
      "aria-label": opts.untitled ? heading : undefined },
    opts.untitled ? null : el("h3", { id }, heading), fields, el("button", { type: "submit", class: opts.cls }, button));
    f.addEventListener("submit", (ev) => {
      ev.preventDefault();
      for (const i of f.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
      $("detail-error").textContent = "";
      onSubmit(f.querySelector("button[type=submit]"));
    });
    return f;
  }

  function field(id, text, attrs, hint) {
    return [el("label", { for: id }, text),
      el("input", { id, autocomplete: "off", ...attrs, "aria-describedby": hint ? id + "-hint" : undefined }),
      hint ? el("p", { class: "hint", id: id + "-hint" }, hint) : null];
  }

  function pickForm(o, open) {
    const num = { type: "number", inputmode: "numeric", min: 0, step: 1 };
    const rows = open.map((l) => el("fieldset", {},
      el("legend", {}, l.quantity + " × " + product(l)),
      el("div", { class: "pick-item" }, thumb(l.image_url, 64),
        el("p", { class: "where" }, l.shelf ? el("span", { class: "shelf" }, l.shelf) : "No shelf given",
          l.minimum_age ? el("span", { class: "badge warn" }, "ID check: " + l.minimum_age + "+") : null,
          el("span", { class: "muted" }, "SKU " + l.sku))),
      field("pick-" + l.id, "Picked quantity", { ...num, max: l.quantity, value: l.quantity },
        "Fewer than the " + l.quantity + " ordered is a short pick. Leave it empty to pick this line later."),
      el("details", {}, el("summary", {}, "Propose a substitute"), substitutePicker(l),
        field("sub-qty-" + l.id, "Substitute quantity", { ...num, min: 1, value: 1 }))));
    return form("Pick list", rows, "Submit pick", (button) => {
      const lines = [];
      for (const l of open) {
        // The substitute chosen from the search, else a code typed there.
        const q = $("pick-" + l.id), sq = $("sub-qty-" + l.id), typed = $("sub-q-" + l.id);
        const sku = { value: $("sub-sku-" + l.id).value || typed.value };
        if (q.value.trim() === "") {
          if (sku.value.trim()) return invalid(q, product(l) + ": enter the picked quantity for a short pick with a substitute.");
          continue;
        }
        const n = Number(q.value);
        if (!Number.isInteger(n) || n < 0 || n > l.quantity) return invalid(q, product(l) + ": the picked quantity must be 0 to " + l.quantity + ".");
        const line = { line_id: l.id, picked_quantity: n };
        if (sku.value.trim()) {
          const sn = sq.value.trim() === "" ? 1 : Number(sq.value);
          if (n >= l.quantity) return invalid($("pick-" + l.id), product(l) + ": a substitute replaces what is missing: pick fewer than " + l.quantity + ".");
          if (!Number.isInteger(sn) || sn < 1) return invalid(sq, product(l) + ": the substitute quantity must be 1 or more.");
          if (!$("sub-sku-" + l.id).value && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(sku.value.trim())) {
            return invalid(typed, product(l) + ": choose the substitute from the list found, or type its SKU.");
          }
          line.substitute = { sku: sku.value.trim(), quantity: sn };
        }
        lines.push(line);
      }
      if (!lines.length) return invalid($("pick-" + open[0].id), "Enter the picked quantity of at least one line.");
      act(o, "pick", { lines }, button, (r) => {
        const short = r.lines.filter((l) => lines.some((p) => p.line_id === l.id) && l.status !== "picked").length;
        const subs = lines.filter((p) => p.substitute).length;
        return "Pick recorded" + (short ? ": " + short + (short === 1 ? " line" : " lines") + " short" : "") +
          (subs ? "; substitute proposed, waiting for the customer" : "") + ".";
      });
    });
  }

  // substitutePicker finds a substitute by name, SKU or barcode (GET
  // /v1/skus?q=) and keeps the chosen SKU in a hidden field; a code typed
  // in the search box and not chosen from the results is taken as it is.
  function substitutePicker(l) {
    const id = "sub-sku-" + l.id;
    const chosen = el("input", { type: "hidden", id });
    const results = el("ul", { class: "results", id: "sub-results-" + l.id, "aria-label": "Substitutes found" });
    const picked = el("p", { class: "picked", id: "sub-picked-" + l.id, role: "status" });
    const search = el("input", { type: "search", id: "sub-q-" + l.id, autocomplete: "off", spellcheck: "false",
      "aria-describedby": "sub-q-" + l.id + "-hint", enterkeyhint: "search" });
    let ticket = 0;
    const find = async () => {
      const q = search.value.trim();
      const my = ++ticket;
      if (!q) { results.replaceChildren(); return; }
      try {
        const found = (await bopis.api("GET", "/v1/skus?limit=8&q=" + enc(q))).data.filter((k) => k.active && k.sku !== l.sku);
        if (my !== ticket) return;
        results.replaceChildren(...(found.length ? found.map((k) => el("li", {},
          el("button", { type: "button", class: "result", onclick: () => {
            chosen.value = k.sku;
            picked.replaceChildren("Substitute: ", el("strong", {}, k.name), " (SKU " + k.sku + ")");
            results.replaceChildren();
            $("sub-qty-" + l.id).focus();
          } }, thumb(k.image_url, 40), el("span", {}, k.name, el("span", { class: "muted" }, " · SKU " + k.sku)))))
          : [el("li", { class: "muted" }, "Nothing found for “" + q + "”.")]));
      } catch (e) {
        if (my === ticket) results.replaceChildren(el("li", { class: "error" }, "Cannot search: " + plain(e) + "."));
      }
    };
    let timer;
    search.addEventListener("input", () => { chosen.value = ""; picked.textContent = ""; clearTimeout(timer); timer = setTimeout(find, 250); });
    search.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); clearTimeout(timer); find(); } });
    return [el("label", { for: search.id }, "Find a substitute"), search,
      el("p", { class: "hint", id: search.id + "-hint" }, "Type a name, SKU or barcode, then choose from the list."),
      results, picked, chosen];
  }

  function readyForm(o) {
    const waitingSub = o.lines.some((l) => l.status === "substitution_proposed");
    return form("Stage the order", [
      waitingSub ? el("p", { class: "hint" }, "A substitute waits for the customer's answer: the order can be marked ready once it is answered.") : null,
      ...field("staging", "Staging location", { maxlength: 100, value: o.staging_location || "" }, "Where the order waits, e.g. shelf B3."),
    ], "Mark ready", (button) => {
      const where = $("staging").value.trim();
      if (!where) return invalid($("staging"), "Enter where the order is staged.");
      act(o, "ready", { staging_location: where }, button, () => "Ready, staged at " + where + ". The customer is told.");
    });
  }

  function handoffForm(o) {
    return form("Hand over", field("pickup-code", "Pickup code", { inputmode: "numeric", maxlength: 20, spellcheck: "false" },
      "The 6-digit code the customer shows."), "Hand over", (button) => {
      const code = $("pickup-code").value.trim();
      if (!code) return invalid($("pickup-code"), "Enter the customer's pickup code.");
      act(o, "handoff", { pickup_code: code }, button, () => "Handed over: order " + label(o) + " is picked up.");
    });
  }

  function cancelForm(o) {
    return el("details", { class: "cancel" }, el("summary", {}, "Cancel this order"),
      form("Cancel this order", field("cancel-reason", "Reason", { maxlength: 200 }, "Told to the customer, e.g. out of stock."),
        "Cancel order", (button) => {
          const reason = $("cancel-reason").value.trim();
          if (!reason) return invalid($("cancel-reason"), "Enter why the order is cancelled.");
          act(o, "cancel", { reason }, button, () => "Order " + label(o) + " cancelled.");
        }, { untitled: true, cls: "danger" }));
  }

  // act posts a store action and shows the order it answers; on a refusal
  // it says why where the associate is looking.
  async function act(o, action, body, button, done) {
    if (busy) return;
    busy = true;
    button.setAttribute("aria-busy", "true");
    try {
      const r = await bopis.api("POST", "/v1/orders/" + enc(o.id) + "/" + action, body);
      if (openId !== o.id) return;
      $("detail-error").textContent = "";
      const rebuilt = showOrder(r);
      announce(done(r));
      if (rebuilt) (($("detail-actions").querySelector("input, button")) || $("detail-title")).focus();
      refresh();
    } catch (e) {
      const msg = action === "handoff" && e.status === 422 ? cap(plain(e)) + ". Check the code with the customer."
        : e.status === 429 ? "Handoff locked after too many wrong pickup codes; it opens again at the time shown above."
        : e.status === 409 ? "Not possible now: " + plain(e) + "."
        : e.status === 401 || e.status === 403 ? LOST_KEY : cap(plain(e)) + ".";
      $("detail-error").textContent = msg;
      if (action === "handoff" && $("pickup-code")) { $("pickup-code").select(); $("pickup-code").focus(); }
      if (e.status === 409 || e.status === 429) refresh();
    } finally {
      busy = false;
      button.removeAttribute("aria-busy");
    }
  }

  // A reload in the same tab keeps the session.
  const saved = sessionStorage.getItem("bopis.store");
  if (saved) $("store-id").value = saved;
  if (saved && bopis.key()) signIn(saved, false);
})();
