package dispatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/dispatch"
	"github.com/bopis/bopis/internal/seal"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

var start = time.Date(2026, 11, 23, 20, 10, 0, 0, time.UTC)

// bench is a database with webhooks, and dispatchers over it.
type bench struct {
	t     *testing.T
	db    *storage.DB
	url   string
	key   *seal.Key
	now   func() time.Time
	clock *storagetest.Clock // nil: the real clock
}

// open makes a fresh database of backend on the clock now (nil: the
// real one).
func open(t *testing.T, backend string, now func() time.Time) *bench {
	t.Helper()
	url := storagetest.URL(t, backend)
	db, err := storage.Open(context.Background(), storage.Config{URL: url, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := seal.Parse(seal.Generate())
	if err != nil {
		t.Fatal(err)
	}
	if now == nil {
		now = time.Now
	}
	return &bench{t: t, db: db, url: url, key: key, now: now}
}

// each runs fn on a fresh database of every backend, on a settable
// clock of its own starting at start if fake, else on the real one.
func each(t *testing.T, fake bool, fn func(t *testing.T, b *bench)) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			if !fake {
				fn(t, open(t, backend, nil))
				return
			}
			clock := storagetest.NewClock(start)
			b := open(t, backend, clock.Now)
			b.clock = clock
			fn(t, b)
		})
	}
}

// subscribe adds a webhook to url for events (none: all).
func (b *bench) subscribe(id, url string, events ...string) {
	b.t.Helper()
	if _, err := b.db.CreateWebhook(context.Background(), bopis.Webhook{ID: id, URL: url, Events: events,
		Sealed: b.key.Seal("whsec_0123456789abcdef")}); err != nil {
		b.t.Fatal(err)
	}
}

// dispatcher is a dispatcher over b's database, its webhooks allowed on
// loopback.
func (b *bench) dispatcher(lease time.Duration) *dispatch.Dispatcher {
	return dispatch.New(dispatch.Config{DB: b.db, Key: b.key, Now: b.now, AllowPrivate: true, Lease: lease,
		WebhookMaxAge: time.Minute})
}

// run runs d until the test ends (or the returned stop is called, which
// waits for it).
func (b *bench) run(d *dispatch.Dispatcher, interval time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.Run(ctx, interval) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	b.t.Cleanup(stop)
	return stop
}

// endpoint is a webhook receiver counting what it takes, by
// Bopis-Delivery id.
type endpoint struct {
	srv     *httptest.Server
	mu      sync.Mutex
	got     map[string]int       // requests per delivery id
	first   map[string]time.Time // when each delivery first arrived
	types   []string             // the Bopis-Event of each request, in order
	total   atomic.Int32
	release chan struct{} // closed when the test ends: a slow answer gives up
}

// listen starts an endpoint that answers status after delay.
func listen(t *testing.T, delay time.Duration, status int) *endpoint {
	e := &endpoint{got: map[string]int{}, first: map[string]time.Time{}, release: make(chan struct{})}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("Bopis-Delivery")
		e.mu.Lock()
		if e.got[id] == 0 {
			e.first[id] = time.Now()
		}
		e.got[id]++
		e.types = append(e.types, r.Header.Get("Bopis-Event"))
		e.mu.Unlock()
		e.total.Add(1)
		if delay > 0 {
			select { // the endpoint is slow: the test's stand-in for a far server
			case <-time.After(delay):
			case <-e.release:
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(e.srv.Close)
	t.Cleanup(func() { close(e.release) }) // runs first
	return e
}

// distinct is how many deliveries reached e, and the most requests any
// one of them made.
func (e *endpoint) distinct() (n, most int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.got {
		most = max(most, c)
	}
	return len(e.got), most
}

// await polls cond (the database or an endpoint, not a timer) until it
// holds or d passes.
func await(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// deliveriesOf lists a webhook's deliveries.
func (b *bench) deliveriesOf(id string) []bopis.Delivery {
	b.t.Helper()
	ds, _, err := b.db.Deliveries(context.Background(), id, bopis.Page{Limit: 500})
	if err != nil {
		b.t.Fatal(err)
	}
	return ds
}

// An order-lane event written after a backlog of inventory events is
// fanned out and delivered in the first pass; the backlog drains in
// batches behind it.
func TestOrderLaneOvertakesBulk(t *testing.T) {
	each(t, true, func(t *testing.T, b *bench) {
		hook := listen(t, 0, 200)
		b.subscribe("wh-1", hook.srv.URL)
		storagetest.AddEvents(t, b.url, storage.EventTypeLowStock, 2000)
		storagetest.AddEvents(t, b.url, "payment.authorization_expiring", 1)
		d := b.dispatcher(0)
		if _, err := d.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		// The pass claims the webhook's first 4 deliveries, the order
		// lane's (fanned out first) among them.
		if !slices.Contains(hook.types, "payment.authorization_expiring") {
			t.Fatalf("the first pass delivered %v, not the order lane's event", hook.types)
		}
		if left := storagetest.Undispatched(t, b.url); left != 1500 {
			t.Errorf("%d events left after one pass, want 1500 (a batch of 500 of the bulk lane)", left)
		}
		// The webhook has 496 inventory deliveries due; an order lane's
		// event written now is delivered in the next pass all the same.
		storagetest.AddEvents(t, b.url, "payment.authorization_expiring", 1)
		b.clock.Advance(time.Second)
		if _, err := d.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		if second := hook.types[4:]; !slices.Contains(second, "payment.authorization_expiring") {
			t.Errorf("the second pass delivered %v, not the order lane's event behind the backlog", second)
		}
	})
}

// A finish is recorded only by the holder of the current claim: after a
// lease ends and another sender claims the delivery again, the first
// sender's late result changes nothing.
func TestFinishIsFencedByTheClaim(t *testing.T) {
	each(t, true, func(t *testing.T, b *bench) {
		clock := b.clock
		ctx := context.Background()
		b.subscribe("wh-1", "https://hooks.example.com/a")
		storagetest.AddEvents(t, b.url, storage.EventTypeLowStock, 1)
		if _, err := b.dispatcher(0).FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		first, err := b.db.ClaimDeliveries(ctx, "wh-1", 10, time.Minute)
		if err != nil || len(first) != 1 {
			t.Fatalf("claim: %v %v", first, err)
		}
		if again, err := b.db.ClaimDeliveries(ctx, "wh-1", 10, time.Minute); err != nil || len(again) != 0 {
			t.Fatalf("claimed again under the lease: %v %v", again, err)
		}
		clock.Advance(time.Minute)
		second, err := b.db.ClaimDeliveries(ctx, "wh-1", 10, time.Minute)
		if err != nil || len(second) != 1 || second[0].Attempts != first[0].Attempts+1 {
			t.Fatalf("after the lease: %v %v", second, err)
		}
		if ok, err := b.db.FinishDelivery(ctx, second[0].ID, second[0].Attempts, false, 503, "answered 503", nil); err != nil || !ok {
			t.Fatalf("the holder's finish: %v %v", ok, err)
		}
		if ok, err := b.db.FinishDelivery(ctx, first[0].ID, first[0].Attempts, true, 200, "", nil); err != nil || ok {
			t.Fatalf("the late finish of an ended claim was recorded: %v %v", ok, err)
		}
		if got := b.deliveriesOf("wh-1")[0]; got.Status != bopis.DeliveryDead || got.LastError != "answered 503" {
			t.Errorf("the holder's result was overwritten: %+v", got)
		}

		// The same for a customer's notification's claim.
		if _, err := b.db.ClaimNotifications(ctx, 10, time.Minute); err != nil {
			t.Fatal(err)
		}
		if ok, err := b.db.FinishNotification(ctx, 1, 1, true, "id", "", nil); err != nil || ok {
			t.Errorf("finishing a notification never claimed: %v %v", ok, err)
		}
	})
}

// A failing endpoint is retried at 10 s, 20 s, 40 s … until the
// delivery's maximum age, then the delivery is dead.
func TestRetriesBackOffThenDie(t *testing.T) {
	each(t, true, func(t *testing.T, b *bench) {
		clock := b.clock
		ctx := context.Background()
		hook := listen(t, 0, 500)
		b.subscribe("wh-1", hook.srv.URL)
		storagetest.AddEvents(t, b.url, storage.EventTypeStaleFeed, 1)
		d := b.dispatcher(0) // WebhookMaxAge: a minute
		for i, wait := range []time.Duration{0, 10 * time.Second, 20 * time.Second} {
			if wait > 0 {
				clock.Advance(wait - time.Millisecond)
				if _, err := d.Once(ctx); err != nil {
					t.Fatal(err)
				}
				if n := int(hook.total.Load()); n != i {
					t.Fatalf("attempt %d sent before its time: %d requests", i+1, n)
				}
				clock.Advance(time.Millisecond)
			}
			if _, err := d.Once(ctx); err != nil {
				t.Fatal(err)
			}
			got := b.deliveriesOf("wh-1")[0]
			if int(hook.total.Load()) != i+1 || got.Attempts != i+1 || got.LastStatus == nil || *got.LastStatus != 500 {
				t.Fatalf("attempt %d: %d requests, %+v", i+1, hook.total.Load(), got)
			}
			switch {
			case i < 2 && (got.Status != bopis.DeliveryPending || !got.NextAttemptAt.Equal(clock.Now().Add(10*time.Second<<i))):
				t.Fatalf("attempt %d: %s, next at %v", i+1, got.Status, got.NextAttemptAt)
			case i == 2 && got.Status != bopis.DeliveryDead: // the next, at 70 s, is past the minute
				t.Fatalf("attempt %d: %s, want dead", i+1, got.Status)
			}
		}
		clock.Advance(time.Hour)
		if _, err := d.Once(ctx); err != nil || hook.total.Load() != 3 {
			t.Fatalf("a dead delivery was sent again: %d requests, %v", hook.total.Load(), err)
		}
	})
}

// Each endpoint's deliveries proceed apart: an endpoint that answers in
// 9 s does not hold up a fast one's by more than a second.
func TestSlowWebhookDelaysNoOther(t *testing.T) {
	each(t, false, func(t *testing.T, b *bench) {
		slow, fast := listen(t, 9*time.Second, 200), listen(t, 0, 200)
		b.subscribe("wh-slow", slow.srv.URL)
		b.subscribe("wh-fast", fast.srv.URL)
		b.run(b.dispatcher(0), 50*time.Millisecond)
		for wave := 1; wave <= 3; wave++ {
			written := time.Now()
			storagetest.AddEvents(t, b.url, storage.EventTypeLowStock, 10)
			await(t, 5*time.Second, "the fast endpoint's deliveries", func() bool { n, _ := fast.distinct(); return n == 10*wave })
			fast.mu.Lock()
			var worst time.Duration
			for _, at := range fast.first {
				if at.After(written) {
					worst = max(worst, at.Sub(written))
				}
			}
			fast.mu.Unlock()
			t.Logf("wave %d: the fast endpoint had every delivery %v after the events were written", wave, worst.Round(time.Millisecond))
			if worst > time.Second {
				t.Errorf("wave %d: the fast endpoint waited %v beside a 9 s one", wave, worst)
			}
		}
		if n, _ := slow.distinct(); n == 0 {
			t.Error("the slow endpoint got nothing")
		}
	})
}

// Two dispatchers on one database, a 2 s lease and an endpoint that takes
// 5 s: each delivery is sent once (a send is given up at half the lease,
// and retried only after its backoff), never again by the other
// dispatcher when the lease ends.
func TestTwoDispatchersSlowEndpointNoDuplicate(t *testing.T) {
	each(t, false, func(t *testing.T, b *bench) {
		hook := listen(t, 5*time.Second, 200)
		b.subscribe("wh-1", hook.srv.URL)
		storagetest.AddEvents(t, b.url, storage.EventTypeLowStock, 12)
		began := time.Now()
		b.run(b.dispatcher(2*time.Second), 20*time.Millisecond)
		b.run(b.dispatcher(2*time.Second), 20*time.Millisecond)
		await(t, 20*time.Second, "every delivery's first attempt recorded", func() bool {
			ds := b.deliveriesOf("wh-1")
			for _, d := range ds {
				if d.LastError == "" {
					return false
				}
			}
			return len(ds) == 12
		})
		// Past the lease of the last claim by a margin: the window in
		// which a second dispatcher would send again (observing that
		// nothing happens takes watching).
		await(t, 10*time.Second, "three leases", func() bool { return time.Since(began) > 6*time.Second })
		n, most := hook.distinct()
		t.Logf("%d deliveries, %d requests", n, hook.total.Load())
		if n != 12 || most != 1 {
			t.Errorf("%d deliveries reached the endpoint, one of them %d times; want 12, once each", n, most)
		}
		for _, d := range b.deliveriesOf("wh-1") {
			if d.Attempts != 1 || d.Status != bopis.DeliveryPending || d.LastError != "timed out" {
				t.Errorf("delivery %d: %d attempts, %s, %q", d.ID, d.Attempts, d.Status, d.LastError)
			}
		}
	})
}

// Three dispatchers running at once over one database deliver every
// event to every webhook exactly once.
func TestConcurrentDispatchersDeliverExactlyOnce(t *testing.T) {
	each(t, false, func(t *testing.T, b *bench) {
		a, c := listen(t, 0, 200), listen(t, 0, 200)
		b.subscribe("wh-a", a.srv.URL)
		b.subscribe("wh-c", c.srv.URL)
		storagetest.AddEvents(t, b.url, storage.EventTypeLowStock, 150)
		storagetest.AddEvents(t, b.url, "payment.authorization_expiring", 150)
		var stops []func()
		for range 3 {
			stops = append(stops, b.run(b.dispatcher(0), 10*time.Millisecond))
		}
		for _, e := range []*endpoint{a, c} {
			await(t, 30*time.Second, "every delivery", func() bool { n, _ := e.distinct(); return n == 300 })
		}
		for _, stop := range stops {
			stop()
		}
		for name, e := range map[string]*endpoint{"a": a, "c": c} {
			if n, most := e.distinct(); n != 300 || most != 1 || e.total.Load() != 300 {
				t.Errorf("endpoint %s: %d deliveries, %d requests, one delivery %d times", name, n, e.total.Load(), most)
			}
		}
	})
}

// A store's SKUs that went low in an interval are told in one digest a
// webhook may subscribe to instead of one event per SKU; two processes
// write it once.
func TestLowStockDigest(t *testing.T) {
	each(t, true, func(t *testing.T, b *bench) {
		clock := b.clock // 20:10
		ctx := context.Background()
		digests, each := listen(t, 0, 200), listen(t, 0, 200)
		b.subscribe("wh-digest", digests.srv.URL, bopis.EventTypeLowStockDigest)
		b.subscribe("wh-each", each.srv.URL, storage.EventTypeLowStock)
		for _, id := range []string{"s1", "s2"} {
			if _, err := b.db.PutStore(ctx, storagetest.Store(id)); err != nil {
				t.Fatal(err)
			}
		}
		var skus []*bopis.SKU
		for _, id := range []string{"A", "B", "C"} {
			k := storagetest.SKU(id)
			k.LowStockThreshold = 2
			skus = append(skus, k)
		}
		if _, err := b.db.PutSKUs(ctx, skus); err != nil {
			t.Fatal(err)
		}
		count := func(store string, onHand ...int64) {
			var cs []bopis.Count
			for i, q := range onHand {
				cs = append(cs, bopis.Count{SKU: skus[i].SKU, OnHand: q})
			}
			if _, err := b.db.CountStore(ctx, store, clock.Now(), cs); err != nil {
				t.Fatal(err)
			}
		}
		count("s1", 0, 1, 9) // A and B low
		count("s2", 9, 9, 0) // C low
		clock.Advance(time.Minute)
		count("s1", 9, 9, 9) // all back up …
		count("s1", 0, 9, 9) // … and A low again: still one SKU of the digest
		d1, d2 := b.dispatcher(0), b.dispatcher(0)
		once := func() {
			for _, d := range []*dispatch.Dispatcher{d1, d2} {
				if _, err := d.Once(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		once()
		if n := digests.total.Load(); n != 0 {
			t.Fatalf("%d digests before the hour ended", n)
		}
		clock.Advance(50*time.Minute + 5*time.Second) // 21:00:05
		for range 3 {
			once()
		}
		got := map[string]map[string]any{}
		for _, ds := range b.deliveriesOf("wh-digest") {
			var body struct{ Data map[string]any }
			if err := json.Unmarshal(ds.Body, &body); err != nil {
				t.Fatal(err)
			}
			got[body.Data["store_id"].(string)] = body.Data
		}
		if n, most := digests.distinct(); n != 2 || most != 1 || len(got) != 2 {
			t.Fatalf("%d digests delivered (one %d times), %v; want one per store", n, most, got)
		}
		if s1 := got["s1"]; fmt.Sprint(s1["skus"]) != "[A B]" || s1["count"] != float64(2) ||
			s1["from"] != "2026-11-23T20:00:00Z" || s1["to"] != "2026-11-23T21:00:00Z" {
			t.Errorf("s1's digest: %v", s1)
		}
		if s2 := got["s2"]; fmt.Sprint(s2["skus"]) != "[C]" {
			t.Errorf("s2's digest: %v", s2)
		}
		if n, _ := each.distinct(); n != 4 {
			t.Errorf("%d low-stock events to the webhook of each SKU's, want 4", n)
		}
	})
}

// A sender that outlives its lease (a paused process) loses its claim:
// another dispatcher sends the delivery once more, and the first one's
// late result is not recorded over the second's.
func TestLateSenderIsFencedOff(t *testing.T) {
	each(t, true, func(t *testing.T, b *bench) {
		ctx := context.Background()
		release := make(chan struct{})
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				<-release // the first sender's request hangs until the test lets it go …
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(srv.Close)
		b.subscribe("wh-1", srv.URL)
		storagetest.AddEvents(t, b.url, "payment.authorization_expiring", 1)
		first, second := b.dispatcher(time.Minute), b.dispatcher(time.Minute)
		if _, err := first.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := first.DeliverWebhooks(ctx); done <- err }()
		await(t, 5*time.Second, "the first send", func() bool { return calls.Load() == 1 })
		b.clock.Advance(time.Minute) // … past its lease
		if n, err := second.DeliverWebhooks(ctx); err != nil || n != 1 {
			t.Fatalf("the second dispatcher after the lease: %d delivered, %v", n, err)
		}
		close(release) // … and answers 503 at last
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		got := b.deliveriesOf("wh-1")[0]
		if calls.Load() != 2 || got.Status != bopis.DeliveryDelivered || got.Attempts != 2 || got.LastStatus == nil ||
			*got.LastStatus != 200 {
			t.Errorf("%d requests; the delivery %s after %d attempts, %+v; want 2, delivered by the second",
				calls.Load(), got.Status, got.Attempts, got)
		}
	})
}
