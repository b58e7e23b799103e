// bopis checkout pickup picker: where and when to pick up a cart.
//
// Embed it with one tag (the key is a bopis "public" API key listing the
// shop's origin; the target is where the picker draws itself):
//
//   <div id="pickup"></div>
//   <script src="https://BOPIS/picker.js" data-bopis-key="PUBLIC_KEY" data-bopis-target="#pickup"></script>
//
// then, when the cart is known:
//
//   bopisPicker.open({cart: [{sku: "A1", quantity: 2}],
//                     coordinates: {latitude: 41.88, longitude: -87.63}, // optional
//                     method: "in_store", days: 7, limit: 5});          // optional
//
// Without coordinates the picker asks: the browser's location
// (navigator.geolocation) or a typed "latitude, longitude". Postcode or
// address search needs a geocoder, which is not built in: geocode on your
// side and pass coordinates. The picker lists the nearest stores that have
// the whole cart (POST /v1/pickup-options: distance, availability per
// line, earliest ready time), then the chosen store's days and slots with
// their remaining room (GET /v1/stores/{id}/calendar), and on "Pick up
// here" dispatches a bubbling CustomEvent "bopis:pickup-selected" on the
// target element with detail
//
//   {store_id, method, slot: {start, end}, store: {id, name, address, ...}}
//
// (times RFC 3339 in the store's offset: pass them to POST /v1/orders as
// pickup.store_id, pickup.method and pickup.slot). bopisPicker.close()
// empties the target.
(() => {
  "use strict";
  const script = document.currentScript;
  const base = new URL(script.src, location.href).origin;
  const key = script.dataset.bopisKey || "";
  const defaultTarget = script.dataset.bopisTarget || "";
  const methodNames = { in_store: "In store", curbside: "Curbside" };
  let seq = 0; // makes ids unique when the picker is opened again

  if (!document.querySelector("link[data-bopis-picker]")) {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = base + "/picker.css";
    css.dataset.bopisPicker = "";
    document.head.append(css);
  }

  // el builds an element: el("li", {class: "x", onclick: f}, "text", child, ...).
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) e.append(k instanceof Node ? k : String(k));
    return e;
  }

  // api calls bopis with the publishable key; it throws the problem's detail.
  async function api(path, body) {
    const opts = { headers: { Authorization: "Bearer " + key } };
    if (body !== undefined) {
      opts.method = "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(base + path, opts);
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const where = data && data.errors ? " (" + data.errors.map((e) => e.message).join("; ") + ")" : "";
      throw new Error(((data && (data.detail || data.title)) || "HTTP " + res.status) + where);
    }
    return data;
  }

  // Times are written as on every bopis page (api.js, bopis.time): the
  // shopper's locale, the store's time zone, labelled ("Mon, Dec 7, 3:00
  // PM EST"); this script stands alone in shops' pages, so it carries its
  // own copy of the options.
  const formats = new Map();
  const fmt = (s, tz, withDate) => {
    if (!s) return "";
    const key = (tz || "") + (withDate ? "|d" : "|c");
    let f = formats.get(key);
    if (!f) {
      const o = { hour: "numeric", minute: "2-digit", timeZoneName: "short" };
      if (withDate) Object.assign(o, { weekday: "short", month: "short", day: "numeric" });
      try { f = new Intl.DateTimeFormat(undefined, { ...o, timeZone: tz || undefined }); } catch { f = new Intl.DateTimeFormat(undefined, o); }
      formats.set(key, f);
    }
    return f.format(new Date(s));
  };
  const hhmm = (s, tz) => fmt(s, tz, false);
  const dayLabel = (d) => {
    const [y, m, day] = d.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, day)).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
  };
  const when = (s, tz) => fmt(s, tz, true);
  const address = (a) => [a.line1, a.line2, [a.city, a.region, a.postal_code].filter(Boolean).join(" ")].filter(Boolean).join(", ");

  // parseLatLon reads "41.88, -87.63".
  function parseLatLon(s) {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(s);
    if (!m) return null;
    const c = { latitude: Number(m[1]), longitude: Number(m[2]) };
    return Math.abs(c.latitude) <= 90 && Math.abs(c.longitude) <= 180 ? c : null;
  }

  function open(opts) {
    opts = opts || {};
    const target = typeof opts.target === "object" && opts.target ? opts.target : document.querySelector(opts.target || defaultTarget);
    if (!target) throw new Error("bopisPicker: no target element (data-bopis-target or open({target}))");
    const cart = (opts.cart || []).map((l) => ({ sku: String(l.sku), quantity: Number(l.quantity) || 1, name: l.name ? String(l.name) : "" }));
    // A cart line's product as the shopper reads it: the name the shop gave, else the SKU.
    const product = (sku) => (cart.find((l) => l.sku === sku) || {}).name || sku;
    const st = { method: opts.method || "in_store", days: opts.days || 7, limit: opts.limit || 5, ticket: 0 };
    const id = (name) => `bopis-${seq}-${name}`;
    seq++;

    const status = el("p", { class: "bopis-status", role: "status", "aria-live": "polite" });
    const body = el("div", { class: "bopis-body" });
    const root = el("section", { class: "bopis-picker", "aria-label": "Store pickup" }, body, status);
    target.replaceChildren(root);
    const say = (text, error) => {
      status.textContent = text || "";
      status.classList.toggle("bopis-error", !!error);
    };
    if (!key) return say("The pickup picker has no data-bopis-key.", true);
    if (!cart.length) return say("The cart is empty.", true);

    // Step 1: where is the shopper?
    function ask() {
      const input = el("input", { id: id("where"), type: "text", inputmode: "decimal", autocomplete: "off", placeholder: "41.88, -87.63" });
      const form = el("form", { class: "bopis-where", onsubmit: (e) => {
        e.preventDefault();
        const c = parseLatLon(input.value);
        if (!c) return say("Enter latitude and longitude, e.g. 41.88, -87.63.", true);
        stores(c);
      } },
      el("label", { for: id("where") }, "Your location (latitude, longitude)"),
      el("div", { class: "bopis-row" }, input, el("button", { type: "submit", class: "bopis-find" }, "Find stores")));
      const here = navigator.geolocation && el("button", { type: "button", class: "bopis-secondary bopis-locate", onclick: () => {
        say("Finding your location…");
        navigator.geolocation.getCurrentPosition(
          (p) => stores({ latitude: p.coords.latitude, longitude: p.coords.longitude }),
          () => say("Your location is not available: type it instead.", true),
          { timeout: 10000, maximumAge: 600000 });
      } }, "Use my location");
      body.replaceChildren(el("p", { class: "bopis-lead" }, "Find a store near you to pick up your order."), here, form);
      say("");
    }

    // Step 2: the nearest stores with the whole cart.
    async function stores(coords) {
      const ticket = ++st.ticket;
      say("Finding stores…");
      let options;
      try {
        options = (await api("/v1/pickup-options", { coordinates: coords, items: cart.map((l) => ({ sku: l.sku, quantity: l.quantity })), method: st.method, days: st.days, limit: st.limit })).options;
      } catch (err) {
        if (ticket !== st.ticket) return;
        ask();
        return say("Stores cannot be shown: " + err.message, true);
      }
      if (ticket !== st.ticket) return;
      const again = el("button", { type: "button", class: "bopis-secondary bopis-again", onclick: ask }, "Change location");
      if (!options.length) {
        body.replaceChildren(el("p", {}, "No store near you has everything in your cart for pickup."), again);
        return say("");
      }
      const area = el("div", { class: "bopis-when" });
      const list = el("fieldset", { class: "bopis-stores" }, el("legend", {}, "Choose a store"),
        options.map((o, i) => {
          const rid = id("store-" + i);
          return el("div", { class: "bopis-option" },
            el("input", { type: "radio", name: id("store"), id: rid, value: o.store.id, onchange: () => choose(o, area) }),
            el("label", { for: rid },
              el("strong", {}, o.store.name), " ", el("span", { class: "bopis-distance" }, o.distance_km.toFixed(1) + " km"),
              el("span", {}, address(o.store.address || {})),
              el("span", {}, "Ready from " + when(o.earliest_ready_at, o.store.time_zone)),
              el("span", { class: "bopis-lines" }, o.lines.map((l) => `${product(l.sku)} × ${l.quantity}: ${l.available} available`).join(" · "))));
        }));
      body.replaceChildren(list, again, area);
      say(options.length === 1 ? "1 store found." : options.length + " stores found.");
    }

    // Step 3: a day and a slot at the chosen store.
    async function choose(option, area, method) {
      const tz = option.store.time_zone;
      const methods = (option.methods || []).filter((m) => methodNames[m]);
      method = method || (methods.includes(st.method) ? st.method : methods[0] || st.method);
      const ticket = ++st.ticket;
      say("Loading pickup times…");
      const items = cart.map((l) => `${encodeURIComponent(l.sku)}:${l.quantity}`).join(",");
      let cal;
      try {
        cal = await api(`/v1/stores/${encodeURIComponent(option.store.id)}/calendar?days=${st.days}&items=${items}&method=${method}`);
      } catch (err) {
        return ticket === st.ticket && say("Pickup times cannot be shown: " + err.message, true);
      }
      if (ticket !== st.ticket) return;
      const parts = [el("h3", {}, "Pickup at " + option.store.name)];
      if (methods.length > 1) {
        parts.push(el("fieldset", { class: "bopis-methods bopis-chips" }, el("legend", {}, "How"),
          methods.map((m) => el("label", { class: "bopis-chip" },
            el("input", { type: "radio", name: id("method"), value: m, checked: m === method, onchange: () => choose(option, area, m) }),
            " " + methodNames[m]))));
      }
      const days = [...new Set(cal.slots.map((s) => s.start.slice(0, 10)))];
      if (!days.length) {
        parts.push(el("p", {}, `No pickup times in the next ${st.days} days` + (cal.no_pickup_reason ? ": " + cal.no_pickup_reason : ".")));
        area.replaceChildren(...parts);
        return say("");
      }
      const confirm = el("button", { type: "button", class: "bopis-confirm", disabled: true }, "Pick up here");
      const times = el("fieldset", { class: "bopis-slots bopis-chips" });
      let chosen = null;
      const showDay = (d) => {
        chosen = null;
        confirm.disabled = true;
        times.replaceChildren(el("legend", {}, "Time on " + dayLabel(d)),
          ...cal.slots.filter((s) => s.start.startsWith(d)).map((s) => {
            const full = s.remaining === 0;
            const room = s.remaining === undefined ? "" : full ? " · full" : ` · ${s.remaining} left`;
            return el("label", { class: "bopis-chip" },
              el("input", { type: "radio", name: id("slot"), value: s.start, disabled: full, onchange: () => { chosen = s; confirm.disabled = false; } }),
              ` ${hhmm(s.start, tz)} – ${hhmm(s.end, tz)}${room}`);
          }));
      };
      parts.push(el("fieldset", { class: "bopis-days bopis-chips" }, el("legend", {}, "Day"),
        days.map((d, i) => el("label", { class: "bopis-chip" },
          el("input", { type: "radio", name: id("day"), value: d, checked: i === 0, onchange: () => showDay(d) }), " " + dayLabel(d)))));
      parts.push(times);
      if (cal.earliest_ready_at && cal.hold_until) {
        parts.push(el("p", { class: "bopis-note" }, `An order ready ${when(cal.earliest_ready_at, tz)} is held until ${when(cal.hold_until, tz)}.`));
      }
      confirm.addEventListener("click", () => {
        if (!chosen) return;
        const detail = { store_id: option.store.id, method, slot: { start: chosen.start, end: chosen.end }, store: option.store };
        target.dispatchEvent(new CustomEvent("bopis:pickup-selected", { detail, bubbles: true }));
        say(`Pickup chosen: ${option.store.name}, ${when(chosen.start, tz)} – ${hhmm(chosen.end, tz)}.`);
      });
      parts.push(confirm);
      area.replaceChildren(...parts);
      showDay(days[0]);
      say(`${cal.slots.length} pickup times at ${option.store.name}.`);
    }

    if (opts.coordinates) stores(opts.coordinates);
    else ask();
  }

  function close(target) {
    const t = typeof target === "object" && target ? target : document.querySelector(target || defaultTarget);
    if (t) t.replaceChildren();
  }

  window.bopisPicker = { open, close };
})();
