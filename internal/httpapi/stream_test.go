package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// sseEvent is one server-sent event as a client reads it.
type sseEvent struct {
	id, event string
	data      map[string]any
}

// openStream opens an event stream with a plain HTTP client; the events
// arrive on the channel until the test ends.
func (e *env) openStream(path, key string, header ...string) <-chan sseEvent {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", e.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		e.t.Fatalf("stream %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	ch := make(chan sseEvent)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			name, value, _ := strings.Cut(sc.Text(), ": ")
			switch name {
			case "id":
				ev.id = value
			case "event":
				ev.event = value
			case "data":
				json.Unmarshal([]byte(value), &ev.data)
			case "":
				if ev.data != nil {
					select {
					case ch <- ev:
					case <-ctx.Done():
						return
					}
				}
				ev = sseEvent{}
			}
		}
	}()
	return ch
}

// next is the next event of type event, skipping others (pings).
func next(t *testing.T, ch <-chan sseEvent, event string) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.event == event {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event within 10 s", event)
		}
	}
}

func TestStoreOrderStream(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		const path = "/v1/stores/mid/orders/stream"
		if r := w.do("GET", path, "", nil); r.status != 401 {
			t.Errorf("no key: %d %s", r.status, r.raw)
		}
		if r := w.do("GET", path, w.near, nil); r.status != 403 {
			t.Errorf("another store's key: %d %s", r.status, r.raw)
		}
		if r := w.do("GET", path, w.front, nil); r.status != 403 {
			t.Errorf("a storefront key: %d %s", r.status, r.raw)
		}
		if r := w.do("GET", "/v1/stores/nowhere/orders/stream", "", nil); r.status != 401 {
			t.Errorf("an unknown store without a key: %d %s", r.status, r.raw)
		}
		if r := w.do("GET", "/v1/stores/nowhere/orders/stream", w.key(bopis.RoleAdmin), nil); r.status != 404 {
			t.Errorf("an unknown store: %d %s", r.status, r.raw)
		}

		earlier := w.order("mid", "in_store", "A", 1) // before connecting: not sent
		st := w.openStream(path, w.mid)
		if p := next(t, st, "ping"); p.data["now"] == nil || p.data["last_event_id"] == nil {
			t.Fatalf("first ping: %v", p.data)
		}
		id := w.order("mid", "curbside", "A", 2)
		w.order("near", "in_store", "B", 1) // another store: not sent
		w.must(w.mid, id, "accept", nil, "accepted")
		placed, accepted := next(t, st, "order"), next(t, st, "order")
		if placed.data["order_id"] != id || accepted.data["order_id"] != id {
			t.Fatalf("events of orders %v and %v, want %s twice (%s was placed before connecting)",
				placed.data["order_id"], accepted.data["order_id"], id, earlier)
		}
		if placed.data["type"] != "order.placed" || accepted.data["type"] != "order.accepted" ||
			accepted.data["from_status"] != "placed" || accepted.data["to_status"] != "accepted" {
			t.Fatalf("events: %v then %v", placed.data, accepted.data)
		}
		p, _ := strconv.ParseInt(placed.id, 10, 64)
		a, _ := strconv.ParseInt(accepted.id, 10, 64)
		if p <= 0 || a <= p || placed.data["id"] != float64(p) {
			t.Errorf("event ids %s, %s (in data %v)", placed.id, accepted.id, placed.data["id"])
		}

		// A client that lost the connection resumes after the last id it saw.
		again := w.openStream(path+"?after="+placed.id, w.mid)
		if ev := next(t, again, "order"); ev.id != accepted.id {
			t.Errorf("resumed with ?after: %v", ev.data)
		}
		byHeader := w.openStream(path, w.mid, "Last-Event-ID", placed.id)
		if ev := next(t, byHeader, "order"); ev.id != accepted.id {
			t.Errorf("resumed with Last-Event-ID: %v", ev.data)
		}
	})
}

// streamReads counts what the order streams read of the database.
type streamReads struct {
	*storage.DB
	polls, catchUps atomic.Int64
}

func (c *streamReads) OrderEventsAfter(ctx context.Context, afterID int64, limit int) ([]bopis.StoreEvent, error) {
	c.polls.Add(1)
	return c.DB.OrderEventsAfter(ctx, afterID, limit)
}

func (c *streamReads) StoreOrderEvents(ctx context.Context, storeID string, afterID int64, limit int) ([]bopis.OrderEvent, error) {
	c.catchUps.Add(1)
	return c.DB.StoreOrderEvents(ctx, storeID, afterID, limit)
}

// Issue 40: every open stream polled the database every 500 ms. With
// 1,000 streams open, the process's one poller reads the database once a
// poll, and every stream of the store gets the order's events.
func TestOpenStreamsShareOnePoller(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			clock := storagetest.NewClock(checkoutNow)
			db := storagetest.Open(t, backend, clock.Now)
			reads := &streamReads{DB: db}
			e := newEnvWith(t, db, httpapi.Config{Now: clock.Now, Storage: reads})
			orderNetwork(t, e)
			w := &work{env: e, clock: clock, front: e.key(bopis.RoleStorefront), mid: e.key(bopis.RoleStore, "mid")}
			const streams = 1000
			chans := make([]<-chan sseEvent, streams)
			for i := range chans {
				chans[i] = w.openStream("/v1/stores/mid/orders/stream", w.mid)
				next(t, chans[i], "ping")
			}
			began, polls := time.Now(), reads.polls.Load()
			id := w.order("mid", "in_store", "A", 1)
			for i, ch := range chans {
				if ev := next(t, ch, "order"); ev.data["order_id"] != id {
					t.Fatalf("stream %d: %v", i, ev.data)
				}
			}
			elapsed, n := time.Since(began), reads.polls.Load()-polls
			t.Logf("%d streams: %d polls of the database in %v, %d reads on connecting", streams, n,
				elapsed.Round(time.Millisecond), reads.catchUps.Load())
			if limit := int64(elapsed/(500*time.Millisecond)) + 2; n > limit {
				t.Errorf("%d polls in %v with %d streams open, want at most %d (one poller)", n, elapsed, streams, limit)
			}
			if c := reads.catchUps.Load(); c != streams {
				t.Errorf("%d reads on connecting, want one per stream (%d)", c, streams)
			}
		})
	}
}
