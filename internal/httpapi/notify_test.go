package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/dispatch"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/mailtest"
	"github.com/bopis/bopis/internal/notify"
)

// smsServer speaks the Twilio Messages API and keeps the texts.
type smsServer struct {
	mu    sync.Mutex
	texts []url.Values
	url   string
}

func startSMSServer(t *testing.T) *smsServer {
	s := &smsServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if r.URL.Path != "/2010-04-01/Accounts/AC1/Messages.json" || user != "AC1" || pass != "token" {
			http.Error(w, `{"message":"bad request"}`, 401)
			return
		}
		r.ParseForm()
		s.mu.Lock()
		s.texts = append(s.texts, r.PostForm)
		n := len(s.texts)
		s.mu.Unlock()
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(map[string]any{"sid": "SM" + string(rune('a'+n))})
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *smsServer) received() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.texts...)
}

// hookServer is a webhook endpoint that checks each signature; fail
// makes it answer 500 while it returns true.
type hookServer struct {
	mu     sync.Mutex
	got    []map[string]any
	bad    int
	fail   func() bool
	url    string
	secret string
}

func startHookServer(t *testing.T, secret string) *hookServer {
	h := &hookServer{secret: secret, fail: func() bool { return false }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.fail() {
			w.WriteHeader(500)
			return
		}
		// Bopis-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">
		parts := map[string]string{}
		for _, p := range strings.Split(r.Header.Get("Bopis-Signature"), ",") {
			k, v, _ := strings.Cut(p, "=")
			parts[k] = v
		}
		m := hmac.New(sha256.New, []byte(h.secret))
		m.Write([]byte(parts["t"] + "." + string(body)))
		if !hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(parts["v1"])) {
			h.bad++
			w.WriteHeader(400)
			return
		}
		var ev map[string]any
		json.Unmarshal(body, &ev)
		h.got = append(h.got, ev)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

func (h *hookServer) types() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.got {
		out = append(out, e["type"].(string))
	}
	return out
}

// dispatcher builds the outbox dispatcher over w's database and clock;
// its webhooks may reach the test's receivers on loopback.
func (w *work) dispatcher(email, sms notify.Sender) *dispatch.Dispatcher {
	w.t.Helper()
	return w.newDispatcher(email, sms, true)
}

// newDispatcher is dispatcher with webhooks allowed to private
// destinations (loopback) or not, as BOPIS_WEBHOOK_ALLOW_PRIVATE says.
func (w *work) newDispatcher(email, sms notify.Sender, allowPrivate bool) *dispatch.Dispatcher {
	w.t.Helper()
	tmpl, err := notify.LoadTemplates("")
	if err != nil {
		w.t.Fatal(err)
	}
	q, _ := notify.ParseQuietHours("21:00-08:00")
	return dispatch.New(dispatch.Config{DB: w.db, Templates: tmpl, Email: email, SMS: sms, Quiet: q, Key: w.sealKey,
		PublicURL: "https://pickup.example.com", Now: w.clock.Now, WebhookMaxAge: time.Hour, AllowPrivate: allowPrivate})
}

func (w *work) once(d *dispatch.Dispatcher) dispatch.Stats {
	w.t.Helper()
	st, err := d.Once(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

func (w *work) subscribe(url, secret string, events ...string) string {
	w.t.Helper()
	r := w.do("POST", "/v1/webhooks", w.key(bopis.RoleAdmin), map[string]any{"url": url, "events": events, "secret": secret})
	if r.status != 201 {
		w.t.Fatalf("subscribe: %d %s", r.status, r.raw)
	}
	return r.body["id"].(string)
}

func TestNotificationsAndWebhooks(t *testing.T) {
	eachWorkWith(t, httpapi.Config{AllowPrivateWebhooks: true}, func(t *testing.T, w *work) {
		mail, sms := mailtest.Start(t), startSMSServer(t)
		email, err := notify.NewSMTP(mail.URL(), "pickup@example.com")
		if err != nil {
			t.Fatal(err)
		}
		d := w.dispatcher(email, notify.NewSMS(sms.url, "AC1", "token", "+15555550199", nil))
		w.once(d) // the network's own events (low stock)
		const secret = "whsec_0123456789abcdef"
		hook := startHookServer(t, secret)
		admin := w.key(bopis.RoleAdmin)

		for _, bad := range []map[string]any{
			{"url": "ftp://x", "secret": secret}, {"url": hook.url, "secret": "short"},
			{"url": hook.url, "secret": secret, "events": []string{"order.nope"}},
		} {
			if r := w.do("POST", "/v1/webhooks", admin, bad); r.status != 422 {
				t.Errorf("bad webhook %v: %d %s", bad, r.status, r.raw)
			}
		}
		if r := w.do("POST", "/v1/webhooks", w.front, map[string]any{"url": hook.url, "secret": secret}); r.status != 403 {
			t.Errorf("a storefront key subscribing: %d", r.status)
		}
		hid := w.subscribe(hook.url, secret, "order.placed", "order.ready")
		list := w.do("GET", "/v1/webhooks", admin, nil)
		if strings.Contains(string(list.raw), secret) || !strings.Contains(string(list.raw), hid) {
			t.Errorf("the list shows the secret, or not the webhook: %s", list.raw)
		}
		if strings.Contains(w.logs.String(), secret) {
			t.Error("the webhook secret is in the logs")
		}
		hooks, _ := w.db.Webhooks(context.Background())
		if len(hooks) != 1 || strings.Contains(hooks[0].Sealed, secret) {
			t.Fatalf("stored: %+v", hooks)
		}

		body := orderBody(atStore("mid"), "A", 1)
		body["customer"].(map[string]any)["notify"] = []string{"email", "sms"}
		r := w.place(w.front, "n-1", body)
		if r.status != 201 {
			t.Fatalf("place: %d %s", r.status, r.raw)
		}
		id, code := r.body["id"].(string), r.body["pickup_code"].(string)
		if st := w.once(d); st.Events != 1 || st.Notifications != 2 || st.Deliveries != 1 {
			t.Fatalf("first pass: %+v", st)
		}
		got := mail.Received()
		if len(got) != 1 || got[0].From != "pickup@example.com" || got[0].To[0] != "ana@example.com" ||
			!strings.Contains(got[0].Data, code) || !strings.Contains(got[0].Data, "text/html") {
			t.Fatalf("email: %+v", got)
		}
		texts := sms.received()
		if len(texts) != 1 || texts[0].Get("To") != "+15555550100" || !strings.Contains(texts[0].Get("Body"), code) {
			t.Fatalf("sms: %v", texts)
		}
		if ty := hook.types(); len(ty) != 1 || ty[0] != "order.placed" || hook.bad != 0 {
			t.Fatalf("webhook got %v (%d bad signatures)", ty, hook.bad)
		}
		// Nothing twice.
		if st := w.once(d); st != (dispatch.Stats{}) {
			t.Fatalf("second pass: %+v", st)
		}
		ns := w.do("GET", "/v1/orders/"+id+"/notifications", w.front, nil)
		data := ns.body["data"].([]any)
		if len(data) != 2 {
			t.Fatalf("notifications: %s", ns.raw)
		}
		for _, n := range data {
			n := n.(map[string]any)
			if n["status"] != "sent" || n["template"] != "confirmation" || n["provider_id"] == "" || n["attempts"] != float64(1) {
				t.Errorf("notification %v", n)
			}
		}
		if r := w.do("GET", "/v1/orders/"+id+"/notifications", w.otherShop, nil); r.status != 404 {
			t.Errorf("another storefront reading them: %d", r.status)
		}

		// accepted is not subscribed, ready is; customers hear of ready.
		w.must(w.mid, id, "accept", nil, "accepted")
		w.must(w.mid, id, "pick", picks("l1", 1), "picking")
		w.must(w.mid, id, "ready", map[string]any{"staging_location": "locker 7"}, "ready")
		w.once(d)
		if ty := hook.types(); strings.Join(ty, " ") != "order.placed order.ready" {
			t.Errorf("webhook types %v", ty)
		}
		if got := mail.Received(); len(got) != 2 || !strings.Contains(got[1].Data, "locker 7") {
			t.Errorf("ready email: %+v", got)
		}
		deliveries := w.do("GET", "/v1/webhooks/"+hid+"/deliveries", admin, nil)
		if dd, _ := deliveries.body["data"].([]any); len(dd) != 2 || dd[0].(map[string]any)["status"] != "delivered" {
			t.Errorf("deliveries: %s", deliveries.raw)
		}
	})
}

func TestQuietHoursAndUnconfiguredChannels(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		sms := startSMSServer(t)
		d := w.dispatcher(nil, notify.NewSMS(sms.url, "AC1", "token", "+15555550199", nil)) // no email configured
		// 20:30 in Chicago: placed before quiet hours.
		w.clock.Advance(6*time.Hour + 20*time.Minute)
		body := orderBody(atStore("mid"), "A", 1)
		body["customer"].(map[string]any)["notify"] = []string{"email", "sms"}
		r := w.place(w.front, "q-1", body)
		if r.status != 201 {
			t.Fatalf("place: %d %s", r.status, r.raw)
		}
		id := r.body["id"].(string)
		// 22:30: the confirmation is dispatched during quiet hours.
		w.clock.Advance(2 * time.Hour)
		w.once(d)
		ns, _ := w.db.OrderNotifications(context.Background(), id, bopis.OrderScope{})
		var email, text bopis.Notification
		for _, n := range ns {
			if n.Channel == "email" {
				email = n
			} else {
				text = n
			}
		}
		if email.Status != bopis.NotificationNotSent || !strings.Contains(email.Reason, "BOPIS_SMTP_URL") {
			t.Errorf("email without a server: %+v", email)
		}
		loc, _ := time.LoadLocation("America/Chicago")
		if text.Status != bopis.NotificationPending || text.NextAttemptAt == nil ||
			text.NextAttemptAt.In(loc).Format("2006-01-02 15:04") != "2026-11-24 08:00" || len(sms.received()) != 0 {
			t.Fatalf("SMS in quiet hours: %+v, sent %d", text, len(sms.received()))
		}
		// Ready the same evening: a same-day order's ready text goes at once.
		w.must(w.mid, id, "accept", nil, "accepted")
		w.must(w.mid, id, "pick", picks("l1", 1), "picking")
		w.must(w.mid, id, "ready", map[string]any{"staging_location": "desk"}, "ready")
		w.once(d)
		if got := sms.received(); len(got) != 1 || !strings.Contains(got[0].Get("Body"), "desk") && !strings.Contains(strings.ToLower(got[0].Get("Body")), "ready") {
			t.Fatalf("same-day ready text: %v", got)
		}
		// 08:00: the confirmation text goes.
		w.clock.Advance(9*time.Hour + 30*time.Minute)
		w.once(d)
		if got := sms.received(); len(got) != 2 {
			t.Fatalf("after quiet hours: %d texts", len(got))
		}
	})
}

func TestWebhookRetriesDeathAndReplay(t *testing.T) {
	eachWorkWith(t, httpapi.Config{AllowPrivateWebhooks: true}, func(t *testing.T, w *work) {
		d := w.dispatcher(nil, nil)
		const secret = "whsec_retries_0123456789"
		flaky := startHookServer(t, secret)
		failures := 2
		flaky.fail = func() bool { failures--; return failures >= 0 }
		down := startHookServer(t, secret)
		isDown := true
		down.fail = func() bool { return isDown }
		w.subscribe(flaky.url, secret, "order.placed")
		downID := w.subscribe(down.url, secret, "order.placed")

		w.order("mid", "in_store", "A", 1)
		w.once(d) // first attempts: both fail
		if n := len(flaky.types()); n != 0 {
			t.Fatalf("delivered despite a 500: %d", n)
		}
		w.once(d) // nothing due before the backoff
		w.clock.Advance(10 * time.Second)
		w.once(d) // second attempt: still 500
		w.clock.Advance(20 * time.Second)
		w.once(d) // third: delivered
		if n := len(flaky.types()); n != 1 {
			t.Fatalf("flaky endpoint got %d after its failures", n)
		}
		// The other endpoint never answers 2xx: dead after the maximum age.
		for range 12 {
			w.clock.Advance(10 * time.Minute)
			w.once(d)
		}
		admin := w.key(bopis.RoleAdmin)
		dl := w.do("GET", "/v1/webhooks/"+downID+"/deliveries", admin, nil).body["data"].([]any)[0].(map[string]any)
		if dl["status"] != "dead" || dl["last_status"] != float64(500) || dl["attempts"].(float64) < 3 {
			t.Fatalf("dead delivery: %v", dl)
		}
		down.mu.Lock()
		isDown = false
		down.mu.Unlock()
		rp := w.do("POST", "/v1/webhooks/"+downID+"/deliveries/"+jsonNumber(dl["id"])+"/replay", admin, nil)
		if rp.status != 200 || rp.body["status"] != "pending" {
			t.Fatalf("replay: %d %s", rp.status, rp.raw)
		}
		w.once(d)
		if n := len(down.types()); n != 1 {
			t.Fatalf("replayed delivery: %d received", n)
		}
		if r := w.do("POST", "/v1/webhooks/"+downID+"/deliveries/999999/replay", admin, nil); r.status != 404 {
			t.Errorf("replaying an unknown delivery: %d", r.status)
		}
	})
}

func jsonNumber(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestDispatchSurvivesCrashesAndRivals: a sender that died holding a
// message lets it go when its lease ends; two dispatchers on one database
// send each message once.
func TestDispatchSurvivesCrashesAndRivals(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		ctx := context.Background()
		mail := mailtest.Start(t)
		email, _ := notify.NewSMTP(mail.URL(), "pickup@example.com")
		d := w.dispatcher(email, nil)
		w.order("mid", "in_store", "A", 1)
		if _, err := d.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		// A sender claims the confirmation and dies before sending it.
		claimed, err := w.db.ClaimNotifications(ctx, 10, 2*time.Minute)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		w.once(d)
		if n := len(mail.Received()); n != 0 {
			t.Fatalf("sent while another sender held it: %d", n)
		}
		w.clock.Advance(2 * time.Minute)
		w.once(d)
		if n := len(mail.Received()); n != 1 {
			t.Fatalf("after the lease: %d sent", n)
		}

		// Rivals: 10 orders, two dispatchers racing.
		for range 10 {
			w.order("far", "in_store", "A", 1)
		}
		d2 := w.dispatcher(email, nil)
		var wg sync.WaitGroup
		for _, x := range []*dispatch.Dispatcher{d, d2, d, d2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := x.Once(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		w.once(d)
		got := mail.Received()
		seen := map[string]int{}
		for _, m := range got {
			for _, line := range strings.Split(m.Data, "\n") {
				if strings.HasPrefix(line, "Message-ID:") || strings.HasPrefix(line, "Message-Id:") {
					seen[strings.TrimSpace(line)]++
				}
			}
		}
		if len(got) != 11 || len(seen) != 11 {
			t.Fatalf("%d emails, %d distinct, want 11 each", len(got), len(seen))
		}
	})
}

func TestDemoMailbox(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		if r := w.do("GET", "/demo/mailbox", "", nil); r.status != 404 {
			t.Fatalf("the mailbox outside the demo: %d", r.status)
		}
		demo := newEnvWith(t, w.db, httpapi.Config{Now: w.clock.Now, Mailbox: true, Key: w.sealKey})
		id := w.order("mid", "curbside", "A", 1)
		w.once(w.dispatcher(dispatch.Mailbox{}, dispatch.Mailbox{}))
		o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		r := demo.do("GET", "/demo/mailbox", "", nil)
		page := string(r.raw)
		if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(page, o["pickup_code"].(string)) || !strings.Contains(page, "ana@example.com") {
			t.Fatalf("mailbox: %d %s", r.status, page)
		}
		ns, _ := w.db.OrderNotifications(context.Background(), id, bopis.OrderScope{})
		if len(ns) != 1 || ns[0].Status != bopis.NotificationSent {
			t.Errorf("mailbox notifications: %+v", ns)
		}
	})
}
