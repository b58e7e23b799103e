// bopis admin console: tabs over the JSON API, signed in with an admin key.
"use strict";
(() => {
  const $ = (sel) => document.querySelector(sel);
  const el = bopis.el;
  const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
  const EVENTS = ["order.placed", "order.accepted", "order.ready", "order.arrived", "order.picked_up", "order.cancelled",
    "order.expired", "order.delayed", "order.substitution_proposed", "order.pickup_reminder", "inventory.low_stock",
    "inventory.low_stock_digest", "inventory.stale_feed", "payment.authorization_expiring"];
  const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
  const enc = encodeURIComponent;

  // guard runs an async handler, showing its failure (the problem's detail
  // and fields) in errBox next to the form, and clearing it first.
  const guard = (errBox, fn) => async (ev) => {
    if (ev && ev.preventDefault) ev.preventDefault();
    $(errBox).textContent = "";
    try { await fn(ev); } catch (e) { $(errBox).textContent = e.message; }
  };
  // fill replaces a table's body rows; empty shows a row saying so.
  const fill = (table, rows, empty) => {
    const body = $(table + " tbody");
    const cols = $(table + " thead tr").children.length;
    body.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: cols, class: "muted" }, empty))]));
  };
  const say = (box, msg) => { $(box).textContent = msg; };
  // short is an event's or alert's detail on one line, nested values cut at 80 characters.
  const cut = (s) => s.length > 80 ? s.slice(0, 79) + "…" : s;
  // A SKU in it reads as its product (name and code), a time as every
  // time does (in tz, the store's zone).
  const short = (d, tz) => {
    if (!d) return "";
    const named = (k, v) => typeof v !== "string" ? v : k === "sku" ? product(v)
      : /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v) ? bopis.time(v, tz) : v;
    return Object.entries(d).map(([k, v]) => k + ": " + (v !== null && typeof v === "object" ? cut(JSON.stringify(v, named)) : named(k, v))).join("; ");
  };

  // ---- sign in ----
  async function signIn(key) {
    bopis.setKey(key);
    try {
      await bopis.api("GET", "/v1/webhooks"); // admin only
    } catch (e) {
      bopis.signOut();
      throw e.status === 403 ? new Error("This key is not an admin key.") : e;
    }
    $("#signin").hidden = true;
    $("#console").hidden = false;
    await loadStores();
  }
  $("#signin").addEventListener("submit", guard("#signin-error", () => signIn($("#key").value.trim())));
  $("#signout").addEventListener("click", () => { bopis.signOut(); location.reload(); });

  // ---- tabs (arrow keys move between them) ----
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const loaders = { stores: loadStores, skus: loadSKUs, alerts: loadAlerts, webhooks: loadWebhooks };
  function select(tab) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", on);
      t.tabIndex = on ? 0 : -1;
      $("#" + t.getAttribute("aria-controls")).hidden = !on;
    }
    const load = loaders[tab.getAttribute("aria-controls")];
    if (load) load().catch(() => {});
  }
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => select(t));
    t.addEventListener("keydown", (ev) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      const next = tabs[(to + tabs.length) % tabs.length];
      next.focus();
      select(next);
    });
  });

  // ---- names and times: a person reads products and store times ----
  // zone is a store's time zone ("" unknown: the reader's own, labelled).
  const zone = (id) => (stores.find((s) => s.id === id) || {}).time_zone || "";
  // names holds the SKUs' names, read once a console needs them.
  const names = new Map();
  async function loadNames() {
    if (names.size) return;
    let cursor = "";
    for (let i = 0; i < 20; i++) {
      const page = await bopis.api("GET", "/v1/skus?limit=500" + (cursor ? "&cursor=" + enc(cursor) : ""));
      for (const k of page.data) names.set(k.sku, k.name);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
  }
  // product is a SKU's cell: its name and code.
  const product = (sku) => sku ? bopis.product({ sku, name: names.get(sku) }) : "";

  // ---- stores and hours ----
  let stores = [];
  let editing = null; // the store whose hours are open
  async function loadStores() {
    const errBox = "#stores-error";
    $(errBox).textContent = "";
    try {
      stores = (await bopis.api("GET", "/v1/stores?limit=500")).data;
    } catch (e) { $(errBox).textContent = e.message; return; }
    fill("#stores-table", stores.map((s) => el("tr", {},
      el("td", {}, s.id), el("td", {}, s.name), el("td", {}, s.type), el("td", {}, s.active ? "yes" : "no"),
      el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": "Edit hours of " + s.name,
        onclick: guard(errBox, () => editHours(s.id)) }, "Edit hours")))), "No stores yet.");
    for (const sel of ["#inv-store", "#order-store"]) {
      const keep = $(sel).value;
      const first = sel === "#order-store" ? [el("option", { value: "" }, "Any store")] : [];
      $(sel).replaceChildren(...first, ...stores.map((s) => el("option", { value: s.id }, s.id + " · " + s.name)));
      if (keep) $(sel).value = keep;
    }
  }

  async function editHours(id) {
    editing = await bopis.api("GET", "/v1/stores/" + enc(id));
    editing.special_hours = editing.special_hours || [];
    $("#hours-title").textContent = "Hours of " + editing.name + " (" + editing.time_zone + ")";
    say("#hours-status", "");
    $("#hours-error").textContent = "";
    $("#hours").hidden = false;
    drawHours();
    $("#hours-title").scrollIntoView();
  }

  // drawHours renders the week and the blocked dates from editing.
  function drawHours() {
    $("#week").replaceChildren(...DAYS.map((day) => {
      const ivs = editing.hours[day] || (editing.hours[day] = []);
      const items = ivs.map((iv, i) => {
        const id = "h-" + day + "-" + i;
        const what = cap(day) + " opening " + (i + 1) + ": ";
        const input = (end) => el("input", { id: id + "-" + end, type: "text", inputmode: "numeric", pattern: "[0-2][0-9]:[0-5][0-9]",
          required: true, size: 5, value: iv[end], "data-day": day, "data-i": i, "data-end": end });
        return el("li", { class: "interval" },
          el("span", {}, el("label", { for: id + "-open" }, el("span", { class: "sr-only" }, what), "Opens"), input("open")),
          el("span", {}, el("label", { for: id + "-close" }, el("span", { class: "sr-only" }, what), "Closes"), input("close")),
          el("button", { type: "button", class: "secondary", "aria-label": "Remove " + cap(day) + " opening " + (i + 1),
            onclick: () => { syncHours(); ivs.splice(i, 1); drawHours(); } }, "Remove"));
      });
      return el("fieldset", { class: "day" }, el("legend", {}, cap(day)),
        items.length ? el("ul", { class: "plain" }, items) : el("p", { class: "muted" }, "Closed"),
        el("button", { type: "button", class: "secondary", id: "add-" + day, "aria-label": "Add a " + cap(day) + " opening",
          onclick: () => { syncHours(); ivs.push({ open: "09:00", close: "17:00" }); drawHours(); document.getElementById("h-" + day + "-" + (ivs.length - 1) + "-open").focus(); } },
        "Add opening"));
    }));
    const special = [...editing.special_hours].sort((a, b) => a.date.localeCompare(b.date));
    $("#blocked").replaceChildren(...(special.length ? special.map((s) => el("li", { class: "row" },
      el("span", {}, s.date + " · " + (s.closed ? "closed" : (s.intervals || []).map((iv) => iv.open + "–" + iv.close).join(", ")) +
        (s.label ? " · " + s.label : "")),
      el("button", { type: "button", class: "secondary", "aria-label": "Remove " + s.date,
        onclick: () => { syncHours(); editing.special_hours = editing.special_hours.filter((x) => x !== s); drawHours(); } }, "Remove")))
      : [el("li", { class: "muted" }, "None.")]));
  }

  // syncHours reads the opening times typed into editing.hours.
  function syncHours() {
    for (const i of document.querySelectorAll("#week input[data-day]")) {
      editing.hours[i.dataset.day][Number(i.dataset.i)][i.dataset.end] = i.value.trim();
    }
  }

  $("#block-add").addEventListener("click", guard("#hours-error", () => {
    const date = $("#block-date").value;
    if (!/^\d{4}-\d\d-\d\d$/.test(date)) throw new Error("Choose the date to block.");
    editing.special_hours = editing.special_hours.filter((s) => s.date !== date);
    const s = { date, closed: true };
    const label = $("#block-label").value.trim();
    if (label) s.label = label;
    editing.special_hours.push(s);
    $("#block-date").value = $("#block-label").value = "";
    syncHours();
    drawHours();
  }));

  $("#hours").addEventListener("submit", guard("#hours-error", async () => {
    say("#hours-status", "");
    syncHours();
    const body = { ...editing };
    for (const k of ["id", "created_at", "updated_at"]) delete body[k];
    editing = await bopis.api("PUT", "/v1/stores/" + enc(editing.id), body);
    editing.special_hours = editing.special_hours || [];
    drawHours();
    say("#hours-status", "Saved the hours of " + editing.name + ".");
  }));

  // ---- SKUs ----
  async function loadSKUs() {
    const errBox = "#skus-error";
    $(errBox).textContent = "";
    let skus;
    const q = $("#sku-q").value.trim();
    try { skus = (await bopis.api("GET", "/v1/skus?limit=500" + (q ? "&q=" + enc(q) : ""))).data; } catch (e) { $(errBox).textContent = e.message; return; }
    for (const k of skus) names.set(k.sku, k.name);
    fill("#skus-table", skus.map((k) => {
      const id = "elig-" + k.sku;
      return el("tr", {}, el("td", {}, k.sku),
        el("td", {}, el("span", { class: "product" }, k.image_url ? el("img", { class: "thumb", src: k.image_url, alt: "", width: 32, height: 32 }) : null,
          el("span", {}, k.name, k.minimum_age ? el("span", { class: "badge warn" }, k.minimum_age + "+") : null))),
        el("td", {}, (k.barcodes || []).join(", ")),
        el("td", {}, el("input", { type: "checkbox", id, class: "check", checked: k.pickup_eligible,
          onchange: guard(errBox, async (ev) => {
            say("#skus-status", "");
            const body = { ...k, pickup_eligible: ev.target.checked };
            for (const f of ["created_at", "updated_at"]) delete body[f];
            try {
              Object.assign(k, await bopis.api("PUT", "/v1/skus/" + enc(k.sku), body));
            } catch (e) { ev.target.checked = !ev.target.checked; throw e; }
            say("#skus-status", k.sku + (k.pickup_eligible ? " is" : " is not") + " eligible for pickup now.");
          }) }),
        el("label", { for: id, class: "sr-only" }, "Pickup eligible: " + k.sku)),
        el("td", {}, k.low_stock_threshold));
    }), q ? "No SKU matches." : "No SKUs yet.");
  }

  $("#sku-find").addEventListener("submit", (ev) => { ev.preventDefault(); loadSKUs(); });

  // ---- inventory ----
  let invStore = "";
  async function loadInventory() {
    const levels = (await bopis.api("GET", "/v1/stores/" + enc(invStore) + "/inventory")).data;
    await loadNames();
    const tz = zone(invStore);
    fill("#levels", levels.map((l) => el("tr", {}, el("td", {}, product(l.sku)), el("td", {}, l.on_hand), el("td", {}, l.reserved),
      el("td", {}, l.safety_stock), el("td", {}, l.available), el("td", {}, bopis.time(l.updated_at, tz)))), "No stock recorded.");
    // The ledger is oldest first: read up to 5 pages, show the newest 200.
    let entries = [], cursor = "";
    for (let i = 0; i < 5; i++) {
      const page = await bopis.api("GET", "/v1/inventory/ledger?limit=500&store_id=" + enc(invStore) + (cursor ? "&cursor=" + enc(cursor) : ""));
      entries = entries.concat(page.data);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    fill("#ledger", entries.reverse().slice(0, 200).map((e) => el("tr", {}, el("td", {}, bopis.time(e.at, tz)), el("td", {}, product(e.sku)),
      el("td", {}, e.cause), el("td", {}, e.on_hand_delta), el("td", {}, e.reserved_delta), el("td", {}, e.reference),
      el("td", {}, e.reason || ""))), "No changes yet.");
    $("#levels-title").textContent = "Stock at " + invStore;
    $("#inv-body").hidden = false;
  }
  $("#inv-pick").addEventListener("submit", guard("#inv-error", async () => {
    invStore = $("#inv-store").value;
    await loadInventory();
  }));
  $("#adjust").addEventListener("submit", guard("#adjust-error", async () => {
    say("#adjust-status", "");
    const body = { sku: $("#adj-sku").value.trim(), delta: Number($("#adj-delta").value), reason: $("#adj-reason").value.trim() };
    const ref = $("#adj-ref").value.trim();
    if (ref) body.reference = ref;
    const res = await fetchIdem("POST", "/v1/stores/" + enc(invStore) + "/inventory/adjustments", body);
    say("#adjust-status", `Adjusted ${res.sku} by ${res.applied_delta}: on hand ${res.level.on_hand}.`);
    $("#adjust").reset();
    await loadInventory();
  }));
  // fetchIdem is bopis.api with an Idempotency-Key, so a double submit adjusts once.
  async function fetchIdem(method, path, body) {
    const res = await fetch(path, { method, body: JSON.stringify(body), headers: { "Authorization": "Bearer " + bopis.key(),
      "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() } });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const where = data && data.errors ? data.errors.map((e) => (e.location || "") + ": " + e.message).join("; ") : "";
      throw new Error(((data && (data.detail || data.title)) || res.statusText) + (where ? " (" + where + ")" : ""));
    }
    return data;
  }

  // ---- alerts ----
  async function loadAlerts() {
    const errBox = "#alerts-error";
    $(errBox).textContent = "";
    const type = $("#alert-type").value;
    let alerts;
    try {
      alerts = (await bopis.api("GET", "/v1/alerts?limit=500" + (type ? "&type=" + type : ""))).data;
      await loadNames();
    } catch (e) { $(errBox).textContent = e.message; return; }
    fill("#alerts-table", alerts.map((a) => el("tr", {}, el("td", {}, el("span", { class: "badge alert" }, a.type.replace(/_/g, " "))),
      el("td", {}, a.store_id), el("td", {}, a.sku ? product(a.sku) : a.order_id || ""), el("td", { class: "detail" }, short(a.detail, zone(a.store_id))),
      el("td", {}, bopis.time(a.opened_at, zone(a.store_id))))), "No open alerts.");
  }
  $("#alerts-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadAlerts(); });

  // ---- orders ----
  $("#order-find").addEventListener("submit", guard("#orders-error", async () => {
    $("#order-detail").hidden = true;
    const id = $("#order-id").value.trim();
    if (id) { $("#orders-table").hidden = true; await showOrder(id); return; }
    const q = new URLSearchParams({ limit: "100" });
    if ($("#order-store").value) q.set("store_id", $("#order-store").value);
    if ($("#order-status").value) q.set("status", $("#order-status").value);
    const list = (await bopis.api("GET", "/v1/orders?" + q)).data;
    fill("#orders-table", list.map((o) => el("tr", {},
      el("td", {}, el("button", { type: "button", class: "link", onclick: guard("#orders-error", () => showOrder(o.id)) }, o.id)),
      el("td", {}, o.status), el("td", {}, o.store_id), el("td", {}, bopis.time(o.promised_ready_at, o.time_zone)))), "No orders match.");
    $("#orders-table").hidden = false;
  }));
  async function showOrder(id) {
    await loadNames();
    const [o, events, notes] = await Promise.all([bopis.api("GET", "/v1/orders/" + enc(id)),
      bopis.api("GET", "/v1/orders/" + enc(id) + "/events"), bopis.api("GET", "/v1/orders/" + enc(id) + "/notifications")]);
    $("#order-title").textContent = "Order " + o.id;
    $("#order-summary").textContent = `${o.status} at ${o.store_id} (${o.method.replace("_", " ")}), promised ready ` +
      `${bopis.time(o.promised_ready_at, o.time_zone)}; customer ${o.customer.name || ""}` +
      (o.cancel_reason ? "; cancelled: " + o.cancel_reason : "");
    $("#order-lines").replaceChildren(...o.lines.map((l) => el("li", {},
      l.image_url ? el("img", { class: "thumb", src: l.image_url, alt: "", width: 32, height: 32 }) : null,
      el("span", {}, l.quantity + " × " + bopis.product(l) + " · " + l.status.replace(/_/g, " ") +
        (l.substitute ? "; substitute " + l.substitute.quantity + " × " + bopis.product(l.substitute) + " (" + l.substitute.status + ")" : "")))));
    fill("#timeline", events.data.map((e) => el("tr", {}, el("td", {}, bopis.time(e.created_at, o.time_zone)), el("td", {}, e.type),
      el("td", {}, (e.from_status ? e.from_status + " → " : "") + e.to_status), el("td", { class: "detail" }, short(e.detail, o.time_zone)))), "No events.");
    fill("#notifications", notes.data.map((n) => el("tr", {}, el("td", {}, bopis.time(n.created_at, o.time_zone)), el("td", {}, n.channel),
      el("td", {}, n.recipient), el("td", {}, n.subject || n.template), el("td", {}, n.status + (n.reason ? ": " + n.reason : "")))),
      "No notifications sent.");
    $("#order-detail").hidden = false;
    $("#order-title").scrollIntoView();
  }

  // ---- webhooks ----
  $("#hook-events").replaceChildren(...EVENTS.map((e) => el("span", { class: "check-label" },
    el("input", { type: "checkbox", id: "ev-" + e, value: e, class: "check" }), el("label", { for: "ev-" + e }, e))));
  async function loadWebhooks() {
    const errBox = "#webhooks-error";
    $(errBox).textContent = "";
    let hooks;
    try { hooks = (await bopis.api("GET", "/v1/webhooks")).data; } catch (e) { $(errBox).textContent = e.message; return; }
    fill("#webhooks-table", hooks.map((h) => el("tr", {}, el("td", { class: "detail" }, h.url),
      el("td", {}, h.events.length ? h.events.join(", ") : "all"), el("td", {}, bopis.time(h.created_at)),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "secondary", "aria-label": "Deliveries to " + h.url,
          onclick: guard(errBox, () => showDeliveries(h)) }, "Deliveries"),
        el("button", { type: "button", class: "danger", "aria-label": "Delete the webhook to " + h.url,
          onclick: guard(errBox, async () => {
            if (!confirm("Stop delivering to " + h.url + "?")) return;
            await bopis.api("DELETE", "/v1/webhooks/" + enc(h.id));
            $("#deliveries").hidden = true;
            await loadWebhooks();
          }) }, "Delete")))), "No webhooks.");
  }
  $("#hook-new").addEventListener("submit", guard("#hook-error", async () => {
    say("#hook-status", "");
    const events = [...document.querySelectorAll("#hook-events input:checked")].map((i) => i.value);
    const h = await bopis.api("POST", "/v1/webhooks", { url: $("#hook-url").value.trim(), secret: $("#hook-secret").value, events });
    $("#hook-new").reset();
    say("#hook-status", "Subscribed " + h.url + ".");
    await loadWebhooks();
  }));
  async function showDeliveries(h) {
    const list = (await bopis.api("GET", "/v1/webhooks/" + enc(h.id) + "/deliveries?limit=100")).data;
    $("#deliveries-title").textContent = "Deliveries to " + h.url;
    fill("#deliveries-table", list.map((d) => el("tr", {}, el("td", {}, d.id), el("td", {}, d.event_type), el("td", {}, d.status),
      el("td", {}, d.attempts), el("td", {}, d.last_status ? d.last_status + (d.last_error ? " " + d.last_error : "") : (d.last_error || "")),
      el("td", {}, bopis.time(d.created_at)),
      el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": "Replay delivery " + d.id,
        onclick: guard("#deliveries-error", async () => { await bopis.api("POST", `/v1/webhooks/${enc(h.id)}/deliveries/${d.id}/replay`); await showDeliveries(h); }) },
      "Replay")))), "No deliveries yet.");
    $("#deliveries").hidden = false;
  }

  // A key kept in this tab signs in at once.
  if (bopis.key()) signIn(bopis.key()).catch((e) => { $("#signin-error").textContent = e.message; });
})();
