// End-to-end: BigCommerce's own @bigcommerce/checkout-sdk asks a running
// bopis for pickup options on POST /api/storefront/pickup-options, the way a
// shopper's browser does (camelCase, no API key, Content-Type: application/json).
//
// Needs a bopis started with BOPIS_PUBLIC_STOREFRONT=true and demo data
// (`bopis demo`); run.sh in this folder does all of it. Environment:
//   BOPIS_URL             e.g. http://127.0.0.1:8080
//   BOPIS_STOREFRONT_KEY  a storefront API key, used only to pick a SKU in
//                         stock (plain fetch); the SDK's request carries no key.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { JSDOM } from 'jsdom';

const BOPIS_URL = (process.env.BOPIS_URL || '').replace(/\/+$/, '');
const KEY = process.env.BOPIS_STOREFRONT_KEY || '';
const STORE_ID = 's-0001';
const RADIUS = { value: 25, unit: 'KM' };
const UNKNOWN_VARIANT = 99999999;
const PICKUP_PATH = '/api/storefront/pickup-options';
const READY = /^Ready (today|tomorrow|[A-Z][a-z]+day, [A-Z][a-z]{2} \d{1,2}) from \d{1,2}:\d{2} [AP]M$/;

if (!BOPIS_URL || !KEY) {
    throw new Error('set BOPIS_URL and BOPIS_STOREFRONT_KEY (run.sh does)');
}

// ---- the bopis API, with the storefront key, to pick what to ask for ----

async function api(path, { allow404 = false } = {}) {
    const res = await fetch(BOPIS_URL + path, { headers: { Authorization: `Bearer ${KEY}`, Accept: 'application/json' } });
    if (allow404 && res.status === 404) {
        return undefined;
    }
    const text = await res.text();
    assert.equal(res.status, 200, `GET ${path}: ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text);
}

// Every row of a list answer ({"data": [...], "next_cursor": "..."}).
async function list(path) {
    const rows = [];
    let cursor = '';
    for (let page = 0; page < 100; page++) {
        const sep = path.includes('?') ? '&' : '?';
        const body = await api(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
        const data = Array.isArray(body) ? body : body.data;
        assert.ok(Array.isArray(data), `GET ${path}: no data list`);
        rows.push(...data);
        cursor = Array.isArray(body) ? '' : body.next_cursor;
        if (!cursor) {
            return rows;
        }
    }
    throw new Error(`GET ${path}: more than 100 pages`);
}

// A pickup-eligible SKU with at least 2 available at the store: the SDK asks
// for 1, so the store can supply it.
async function findStockedVariant(storeId) {
    const levels = (await list(`/v1/stores/${storeId}/inventory`))
        .filter(l => Number(l.available) >= 2)
        .sort((a, b) => String(a.sku).localeCompare(String(b.sku)));
    const overrides = new Map((await list(`/v1/stores/${storeId}/skus`)).map(o => [o.sku, o]));
    for (const level of levels.slice(0, 50)) {
        const sku = await api(`/v1/skus/${encodeURIComponent(level.sku)}`, { allow404: true });
        if (!sku || !Number.isInteger(sku.variant_id) || sku.variant_id < 1 || sku.active === false) {
            continue;
        }
        const override = overrides.get(level.sku);
        const eligible = override && typeof override.pickup_eligible === 'boolean'
            ? override.pickup_eligible
            : sku.pickup_eligible;
        if (eligible) {
            return { sku: sku.sku, variantId: sku.variant_id, available: Number(level.available) };
        }
    }
    throw new Error(`no pickup-eligible SKU with available >= 2 at ${storeId}`);
}

// ---- the SDK, in a jsdom page served from bopis's origin ----

const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
    url: `${BOPIS_URL}/checkout`,
    pretendToBeVisual: true,
});

// Every request the SDK makes through XMLHttpRequest, as it went out.
const sent = [];

class RecordingXMLHttpRequest extends dom.window.XMLHttpRequest {
    open(method, url, ...rest) {
        this._record = { method, url: String(url), headers: {}, body: undefined };
        sent.push(this._record);
        return super.open(method, url, ...rest);
    }

    setRequestHeader(name, value) {
        if (this._record) {
            this._record.headers[name.toLowerCase()] = value;
        }
        return super.setRequestHeader(name, value);
    }

    send(body) {
        if (this._record) {
            this._record.body = body;
        }
        return super.send(body);
    }
}

globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.XMLHttpRequest = RecordingXMLHttpRequest;
dom.window.XMLHttpRequest = RecordingXMLHttpRequest;
if (!globalThis.navigator) {
    globalThis.navigator = dom.window.navigator;
}

// The SDK is CommonJS and reads `window`/`document` as it loads: require it
// only now that they exist.
const require = createRequire(import.meta.url);
const { createCheckoutService } = require('@bigcommerce/checkout-sdk');
const sdkVersion = require('@bigcommerce/checkout-sdk/package.json').version;

// createCheckoutService wires PickupOptionActionCreator(new
// PickupOptionRequestSender(requestSender)). The public
// CheckoutService.loadPickupOptions({consignmentId, searchArea}) reads the
// items from a loaded checkout's consignment; the request sender it calls,
// fetchPickupOptions({searchArea, items}), makes the very same request from
// the variant ids directly, with no checkout loaded first.
const service = createCheckoutService({ host: BOPIS_URL, shouldWarnMutation: false });
const requestSender = service._pickupOptionActionCreator?._pickupOptionRequestSender;

// Calls the SDK; resolves to its response ({status, headers, body}) or, when
// the SDK rejects (non-2xx or network failure), fails with what came back.
async function sdkPickupOptions(query) {
    const before = sent.length;
    let response;
    try {
        response = await requestSender.fetchPickupOptions(query);
    } catch (failed) {
        const detail = failed && typeof failed === 'object' && 'status' in failed
            ? `${failed.status} ${JSON.stringify(failed.body)}`
            : String(failed && failed.stack || failed);
        assert.fail(`the SDK's pickup-options request failed: ${detail}`);
    }
    const requests = sent.slice(before);
    assert.equal(requests.length, 1, `the SDK made ${requests.length} requests, want 1`);
    return { response, request: requests[0] };
}

// Checks the request is the storefront one BigCommerce's SDK makes.
function assertStorefrontRequest(request, query) {
    assert.equal(request.method, 'POST');
    assert.equal(new URL(request.url, BOPIS_URL).href, BOPIS_URL + PICKUP_PATH);
    assert.match(request.headers['content-type'] || '', /^application\/json\b/);
    assert.equal(request.headers.authorization, undefined, 'the SDK sends no API key');
    assert.equal(request.headers['x-checkout-sdk-version'], sdkVersion);
    assert.deepEqual(JSON.parse(request.body), query, 'camelCase body as built by the SDK');
}

let store;
let stocked;

before(async () => {
    assert.equal(typeof createCheckoutService, 'function', 'checkout-sdk exports createCheckoutService');
    assert.ok(requestSender && typeof requestSender.fetchPickupOptions === 'function',
        `checkout-sdk ${sdkVersion}: CheckoutService has no PickupOptionRequestSender`);
    store = await api(`/v1/stores/${STORE_ID}`);
    assert.ok(Number.isInteger(store.location_id), `${STORE_ID} has a location_id`);
    stocked = await findStockedVariant(STORE_ID);
    console.log(`sdk ${sdkVersion}; ${STORE_ID} (location ${store.location_id}) at ` +
        `${store.coordinates.latitude},${store.coordinates.longitude}; ` +
        `${stocked.sku} variant ${stocked.variantId}, ${stocked.available} available`);
});

after(() => {
    dom.window.close();
});

test('checkout-sdk fetches pickup options for a variant in stock near the store', async () => {
    const query = {
        searchArea: {
            radius: RADIUS,
            coordinates: { latitude: store.coordinates.latitude, longitude: store.coordinates.longitude },
        },
        items: [{ variantId: stocked.variantId, quantity: 1 }],
    };
    const { response, request } = await sdkPickupOptions(query);
    assertStorefrontRequest(request, query);

    assert.equal(response.status, 200);
    assert.match(response.headers['content-type'] || '', /application\/(\w+\+)?json/);
    const body = response.body;
    assert.equal(typeof body, 'object', 'the SDK parsed the answer as JSON');
    assert.ok(Array.isArray(body.results) && body.results.length > 0, `results: ${JSON.stringify(body.results)}`);

    const options = body.results[0].pickupOptions;
    assert.ok(Array.isArray(options) && options.length > 0, `results[0].pickupOptions: ${JSON.stringify(options)}`);
    for (const [i, option] of options.entries()) {
        const at = `pickupOptions[${i}]`;
        const m = option.pickupMethod;
        assert.ok(m && typeof m === 'object', `${at}.pickupMethod`);
        assert.ok(Number.isInteger(m.id), `${at}.pickupMethod.id is a number: ${m.id}`);
        assert.ok(Number.isInteger(m.locationId), `${at}.pickupMethod.locationId is a number: ${m.locationId}`);
        assert.ok(typeof m.displayName === 'string' && m.displayName.length > 0, `${at}.pickupMethod.displayName`);
        assert.equal(typeof m.collectionInstructions, 'string', `${at}.pickupMethod.collectionInstructions`);
        assert.ok(typeof m.collectionTimeDescription === 'string' && m.collectionTimeDescription.startsWith('Ready '),
            `${at}.pickupMethod.collectionTimeDescription: ${JSON.stringify(m.collectionTimeDescription)}`);
        assert.match(m.collectionTimeDescription, READY, `${at}.pickupMethod.collectionTimeDescription`);
        assert.ok(Array.isArray(option.availableItems), `${at}.availableItems`);
        assert.deepEqual(option.availableItems.find(it => it.variantId === stocked.variantId),
            { variantId: stocked.variantId, quantity: 1 }, `${at}.availableItems has the variant, quantity 1`);
    }
    const locations = options.map(o => o.pickupMethod.locationId);
    assert.equal(new Set(locations).size, locations.length, `each location once: ${locations}`);

    // The store itself has the stock and is 0 km away: it is offered, first.
    assert.ok(locations.includes(store.location_id),
        `${STORE_ID} (location ${store.location_id}) has ${stocked.available} of ${stocked.sku} but is not offered: ${locations}`);
    assert.equal(options[0].pickupMethod.locationId, store.location_id, `nearest first: ${locations}`);
    console.log(`${options.length} options; nearest: ${options[0].pickupMethod.displayName} — ` +
        options[0].pickupMethod.collectionTimeDescription);
});

test('checkout-sdk gets no pickup options for an unknown variant', async () => {
    const query = {
        searchArea: {
            radius: RADIUS,
            coordinates: { latitude: store.coordinates.latitude, longitude: store.coordinates.longitude },
        },
        items: [{ variantId: UNKNOWN_VARIANT, quantity: 1 }],
    };
    const { response, request } = await sdkPickupOptions(query);
    assertStorefrontRequest(request, query);

    assert.equal(response.status, 200);
    assert.ok(Array.isArray(response.body.results) && response.body.results.length > 0,
        `results: ${JSON.stringify(response.body.results)}`);
    assert.deepEqual(response.body.results[0].pickupOptions, []);
});
