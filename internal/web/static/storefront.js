// The demo storefront: opens the pickup picker for the cart and, when the
// shopper has chosen, places the order through the demo endpoint.
"use strict";
(() => {
  const shop = document.getElementById("shop");
  const target = document.getElementById("pickup");
  const $ = (id) => document.getElementById(id);
  const cart = JSON.parse(shop.dataset.cart || "[]");
  const near = (shop.dataset.near || "").split(",").map(Number);

  // A fresh idempotency key per choice: retrying one choice cannot place it twice.
  const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  target.addEventListener("bopis:pickup-selected", async (ev) => {
    const d = ev.detail;
    $("result").classList.remove("hidden");
    $("placed").classList.add("hidden");
    $("order-error").textContent = "";
    $("chosen").textContent = `Placing your order for pickup at ${d.store ? d.store.name : d.store_id}, ${bopis.window(d.slot.start, d.slot.end, d.store && d.store.time_zone)}…`;
    try {
      const res = await fetch("/demo/storefront/orders", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ idempotency_key: newKey(), store_id: d.store_id, method: d.method, slot: d.slot }),
      });
      const data = await res.json();
      if (!res.ok) throw new Error(data.detail || "HTTP " + res.status);
      $("chosen").textContent = `Order ${data.order.id} placed for pickup at ${d.store ? d.store.name : d.store_id}.`;
      $("order-code").textContent = data.order.pickup_code;
      $("order-link").href = data.link;
      $("placed").classList.remove("hidden");
    } catch (err) {
      $("chosen").textContent = "";
      $("order-error").textContent = "The order was not placed: " + err.message;
    }
  });

  const opts = { cart: cart.map((i) => ({ sku: i.sku, quantity: i.quantity, name: i.name })) };
  if (near.length === 2 && near.every(Number.isFinite) && shop.dataset.near) opts.coordinates = { latitude: near[0], longitude: near[1] };
  window.bopisPicker.open(opts);
})();
