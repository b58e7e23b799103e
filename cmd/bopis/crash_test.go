package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/seal"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
	"github.com/emersion/go-smtp"
)

// TestCrashRecovery runs the real bopis binary under a mixed load
// (orders, the POS feed, store work, notifications, webhooks), kills it
// with SIGKILL at random moments, restarts it on the same database and
// checks after each restart: every order that got a 201 is there with its
// lines; each store and SKU's reserved equals its open reservations and
// the ledger replays to the levels; and at the end every email and
// webhook recorded as sent reached its receiver, none lost.
func TestCrashRecovery(t *testing.T) {
	goTool, err := exec.LookPath("go") // go test runs with it on the PATH
	if err != nil {
		t.Fatalf("the go command builds the binary under test: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "bopis")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building bopis: %v\n%s", err, out)
	}
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) { crashRun(t, bin, backend) })
	}
}

// receiver counts what reaches it by id (an email's Message-ID, a
// webhook's Bopis-Delivery).
type receiver struct {
	mu  sync.Mutex
	got map[string]int
}

func (r *receiver) add(id string) {
	r.mu.Lock()
	r.got[id]++
	r.mu.Unlock()
}

func (r *receiver) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[id]
}

type crashSession struct{ r *receiver }

func (s *crashSession) Reset()                               {}
func (s *crashSession) Logout() error                        { return nil }
func (s *crashSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *crashSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *crashSession) Data(r io.Reader) error {
	b, _ := io.ReadAll(r)
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Message-ID") {
			s.r.add(strings.TrimSpace(v))
		}
	}
	return nil
}

// bopisProcess is one run of the binary.
type bopisProcess struct {
	cmd *exec.Cmd
	url string
}

func crashRun(t *testing.T, bin, backend string) {
	dbURL := storagetest.URL(t, backend)
	if backend == "sqlite" {
		dbURL = "sqlite:" + strings.TrimPrefix(dbURL, "sqlite:")
	}
	mail := &receiver{got: map[string]int{}}
	mailSrv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &crashSession{mail}, nil }))
	mailSrv.Domain, mailSrv.AllowInsecureAuth = "localhost", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go mailSrv.Serve(ln)
	t.Cleanup(func() { mailSrv.Close() })
	hooks := &receiver{got: map[string]int{}}
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hooks.add(r.Header.Get("Bopis-Delivery"))
	}))
	t.Cleanup(hookSrv.Close)

	admin := "crash-admin-" + seal.Generate()
	clockFile := filepath.Join(t.TempDir(), "clock") // an offset on the processes' clock
	env := append(os.Environ(), "BOPIS_DB="+dbURL, "BOPIS_ADMIN_KEY="+admin, "BOPIS_LOG_LEVEL=error",
		"BOPIS_SMTP_URL=smtp://"+ln.Addr().String()+"?tls=none", "BOPIS_SMTP_FROM=pickup@example.com",
		"BOPIS_SECRET_KEY="+seal.Generate(), "BOPIS_QUIET_HOURS=00:00-00:00",
		"BOPIS_DISPATCH_LEASE=3s",          // what a killed process held goes out 3 s after, not 2 min
		"BOPIS_WEBHOOK_ALLOW_PRIVATE=true", // the webhook receiver is on loopback
		"BOPIS_TEST_CLOCK_FILE="+clockFile)
	start := func() *bopisProcess {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		cmd := exec.Command(bin, "serve", "--addr", addr)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p := &bopisProcess{cmd: cmd, url: "http://" + addr}
		deadline := time.Now().Add(60 * time.Second)
		for {
			if res, err := http.Get(p.url + "/readyz"); err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					return p
				}
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("bopis did not become ready: %s", stderr.String())
			}
			time.Sleep(20 * time.Millisecond) // polling a starting process, not waiting for a timer
		}
	}
	call := func(p *bopisProcess, method, path, key, idem string, body any) (int, map[string]any) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, p.url+path, rd)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		if idem != "" {
			req.Header.Set("Idempotency-Key", idem)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil // the process died under us
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil && err != io.EOF {
			return 0, nil // the process died in the middle of its answer
		}
		return res.StatusCode, out
	}

	p := start()
	day := []map[string]string{{"open": "00:00", "close": "24:00"}}
	hours := map[string]any{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		hours[d] = day
	}
	store := map[string]any{"name": "Crash", "type": "store", "time_zone": "America/Chicago", "hours": hours,
		"address":        map[string]any{"line1": "1 Main St", "city": "Chicago", "region": "IL", "postal_code": "60601", "country": "US"},
		"coordinates":    map[string]any{"latitude": 41.88, "longitude": -87.63},
		"pickup_methods": []string{"in_store", "curbside"}, "prep_minutes": 0, "cutoff_minutes": 0, "hold_days": 3,
		"slot_minutes": 60, "slot_capacity": 0, "active": true}
	mustStatus := func(code int, out map[string]any, want int, what string) map[string]any {
		if code != want {
			t.Fatalf("%s: %d %v", what, code, out)
		}
		return out
	}
	code, out := call(p, "PUT", "/v1/stores/s-1", admin, "", store)
	mustStatus(code, out, 201, "store")
	code, out = call(p, "PUT", "/v1/skus/A", admin, "", map[string]any{"name": "Drill", "pickup_eligible": true, "active": true})
	mustStatus(code, out, 201, "sku")
	code, out = call(p, "PUT", "/v1/stores/s-1/inventory", admin, "", map[string]any{"as_of": time.Now().UTC().Format(time.RFC3339),
		"levels": []any{map[string]any{"sku": "A", "on_hand": 5000}}})
	mustStatus(code, out, 200, "count")
	keyOf := func(role string, stores ...string) string {
		code, out := call(p, "POST", "/v1/api-keys", admin, "", map[string]any{"role": role, "store_ids": stores})
		return mustStatus(code, out, 201, "key")["secret"].(string)
	}
	front, staff, pos := keyOf("storefront"), keyOf("store", "s-1"), keyOf("pos", "s-1")
	code, out = call(p, "POST", "/v1/webhooks", admin, "", map[string]any{"url": hookSrv.URL,
		"events": []string{"order.placed", "order.ready", "order.picked_up"}, "secret": "crash-secret-0123456789"})
	mustStatus(code, out, 201, "webhook")
	// Timers set by the first process must fire in whichever runs when
	// they fall due: checkout holds of a minute, expiring after the kills.
	var holds []string
	var holdsDue time.Time
	for range 3 {
		var code int
		var out map[string]any
		for wait := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) { // until checkout sees the new store
			code, out = call(p, "POST", "/v1/holds", front, "", map[string]any{"ttl_seconds": 60,
				"pickup": map[string]any{"store_id": "s-1", "method": "in_store"},
				"lines":  []any{map[string]any{"sku": "A", "quantity": 2, "unit_price": map[string]any{"amount": 999, "currency": "USD"}, "fulfillment": "pickup"}}})
			if code != 404 || time.Now().After(wait) {
				break
			}
		}
		h := mustStatus(code, out, 201, "hold")
		holds = append(holds, h["id"].(string))
		due, _ := time.Parse(time.RFC3339, h["expires_at"].(string))
		holdsDue = due
	}

	var mu sync.Mutex
	placed := map[string]bool{} // orders that got a 201
	seq, refused := 0, 0
	load := func(ctx context.Context, p *bopisProcess) {
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					mu.Lock()
					seq++
					n := seq
					mu.Unlock()
					switch w {
					case 0, 1: // shoppers
						code, o := call(p, "POST", "/v1/orders", front, fmt.Sprintf("crash-%d", n), map[string]any{
							"customer": map[string]any{"name": "Ana", "email": "ana@example.com", "notify": []string{"email"}},
							"pickup":   map[string]any{"store_id": "s-1", "method": "in_store"},
							"lines":    []any{map[string]any{"sku": "A", "quantity": 1 + n%3, "unit_price": map[string]any{"amount": 999, "currency": "USD"}, "fulfillment": "pickup"}},
							"payment":  map[string]any{"token": "tok_visa"}})
						mu.Lock()
						switch code {
						case 201:
							placed[o["id"].(string)] = true
						case 0: // the process died mid-request
						default:
							refused++
							if refused == 1 {
								t.Logf("an order was refused: %d %v", code, o)
							}
						}
						mu.Unlock()
					case 2: // the POS
						call(p, "POST", "/v1/inventory/events", pos, "", map[string]any{"events": []any{map[string]any{
							"id": fmt.Sprintf("r-%d", n), "store_id": "s-1", "sku": "A", "type": "delta", "delta": 2,
							"reason": "receipt", "occurred_at": time.Now().UTC().Format(time.RFC3339Nano)}}})
					case 3: // the associate works the oldest orders through
						code, q := call(p, "GET", "/v1/orders?store_id=s-1&limit=5&status="+[]string{"placed", "accepted", "picking", "ready"}[i%4], staff, "", nil)
						if code != 200 {
							continue
						}
						for _, x := range q["data"].([]any) {
							o := x.(map[string]any)
							id := o["id"].(string)
							switch o["status"] {
							case "placed":
								call(p, "POST", "/v1/orders/"+id+"/accept", staff, "", nil)
							case "accepted":
								lines := o["lines"].([]any)
								l := lines[0].(map[string]any)
								call(p, "POST", "/v1/orders/"+id+"/pick", staff, "", map[string]any{"lines": []any{
									map[string]any{"line_id": l["id"], "picked_quantity": l["quantity"]}}})
							case "picking":
								call(p, "POST", "/v1/orders/"+id+"/ready", staff, "", map[string]any{"staging_location": "B1"})
							case "ready":
								call(p, "POST", "/v1/orders/"+id+"/handoff", staff, "", map[string]any{"pickup_code": o["pickup_code"]})
							}
						}
					}
				}
			}()
		}
		wg.Wait()
	}

	check := func(round int) {
		db, err := storage.Open(context.Background(), storage.Config{URL: dbURL})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		mu.Lock()
		ids := make([]string, 0, len(placed))
		for id := range placed {
			ids = append(ids, id)
		}
		mu.Unlock()
		for _, id := range ids {
			o, err := db.GetOrder(context.Background(), id, bopis.OrderScope{})
			if err != nil || len(o.Lines) != 1 {
				t.Fatalf("round %d: order %s answered 201 but is %v %v", round, id, o, err)
			}
		}
		storagetest.CheckReplay(t, db, "s-1")
		if len(ids) < round {
			t.Fatalf("round %d: only %d orders placed: the load is not loading", round, len(ids))
		}
		t.Logf("round %d: %d orders placed so far, all there; levels replay", round, len(ids))
	}

	orders := func() int { mu.Lock(); defer mu.Unlock(); return len(placed) }
	const kills = 4
	for round := 1; round <= kills; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		before := orders()
		go func() { load(ctx, p); close(done) }()
		// Once this round's orders flow (a process still starting, slower
		// under -race, may take longer than the shortest wait to place
		// its first), a random moment to crash at.
		for deadline := time.Now().Add(30 * time.Second); orders() == before && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(300+rand.IntN(900)) * time.Millisecond)
		p.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
		p.cmd.Wait()
		cancel()
		<-done
		check(round)
		p = start()
	}

	// Let the last process deliver what is due, then nothing recorded as
	// sent may be missing at its receiver.
	db, err := storage.Open(context.Background(), storage.Config{URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		pending, lost := 0, []string{}
		notes, err := db.RecentNotifications(context.Background(), 100000)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range notes {
			switch {
			case n.Status == bopis.NotificationPending:
				pending++
			case n.Status == bopis.NotificationSent && mail.count(n.ProviderID) == 0:
				lost = append(lost, n.ProviderID)
			}
		}
		hookList, _ := db.Webhooks(context.Background())
		var dels []bopis.Delivery
		for _, h := range hookList {
			for cursor := ""; ; {
				page, next, err := db.Deliveries(context.Background(), h.ID, bopis.Page{Limit: 500, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				dels = append(dels, page...)
				if cursor = next; next == "" {
					break
				}
			}
		}
		for _, d := range dels {
			switch {
			case d.Status == bopis.DeliveryPending:
				pending++
			case d.Status == bopis.DeliveryDelivered && hooks.count(fmt.Sprint(d.ID)) == 0:
				lost = append(lost, fmt.Sprintf("delivery %d", d.ID))
			}
		}
		if len(lost) > 0 {
			t.Fatalf("recorded as sent but never received: %v", lost)
		}
		if pending == 0 {
			if len(notes) == 0 || len(dels) == 0 {
				t.Fatalf("%d notifications and %d deliveries: nothing was told", len(notes), len(dels))
			}
			dup := 0
			for _, n := range notes {
				if mail.count(n.ProviderID) > 1 {
					dup++
				}
			}
			for _, d := range dels {
				if hooks.count(fmt.Sprint(d.ID)) > 1 {
					dup++
				}
			}
			// A kill between a provider accepting a message and bopis recording
			// it sends it again after the lease (ADR 0007), with the same id,
			// so the receiver can tell: at most what was in flight at the
			// kill, the dispatcher's default 8 customer messages and 4
			// deliveries to the one webhook at once (ADR 0032).
			const inFlight = 8 + 4
			if dup > kills*inFlight {
				t.Fatalf("%d messages received twice over %d kills", dup, kills)
			}
			t.Logf("%d notifications and %d webhook deliveries, none lost, %d received twice", len(notes), len(dels), dup)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still pending a minute after the last restart", pending)
		}
		time.Sleep(100 * time.Millisecond) // polling the running process's progress
	}
	// The holds, set by the first process, fall due in the fifth: move its
	// clock past them and they expire without any request about them.
	os.WriteFile(clockFile, []byte(holdsDue.Sub(time.Now()).Round(time.Second).String()+"1m"), 0o644)
	expireBy := time.Now().Add(30 * time.Second) // the sweep runs every 5 s
	for _, id := range holds {
		for {
			code, h := call(p, "GET", "/v1/holds/"+id, front, "", nil)
			if code == 200 && h["status"] == "expired" {
				break
			}
			if time.Now().After(expireBy) {
				t.Fatalf("hold %s still %v after its expiry passed", id, h["status"])
			}
			time.Sleep(50 * time.Millisecond) // polling the process's sweep
		}
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
	check(kills + 1)
}
