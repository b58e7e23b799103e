package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// twilio is a fake of the Messages API that checks what Twilio checks
// and answers status with body.
func twilio(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/AC123/Messages.json" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if user, pass, ok := r.BasicAuth(); !ok || user != "AC123" || pass != "tok-secret" {
			t.Errorf("basic auth %q:%q, %v", user, pass, ok)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type %q", ct)
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		for k, want := range map[string]string{"To": "+13125550100", "From": "+13125550199", "Body": "Loop Market: order ord_7K2M is ready. Code 482913 & a photo ID."} {
			if got := r.PostForm.Get(k); got != want {
				t.Errorf("form %s = %q, want %q", k, got, want)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

var text = Message{Channel: SMS, To: "+13125550100", Text: "Loop Market: order ord_7K2M is ready. Code 482913 & a photo ID."}

func TestSMSSent(t *testing.T) {
	srv, calls := twilio(t, http.StatusCreated, `{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}`)
	sid, err := NewSMS(srv.URL, "AC123", "tok-secret", "+13125550199", nil).Send(context.Background(), text)
	if err != nil || sid != "SM0123456789abcdef0123456789abcdef" || calls.Load() != 1 {
		t.Errorf("Send = %q, %v after %d calls; want the sid", sid, err, calls.Load())
	}
}

func TestSMSFailures(t *testing.T) {
	for _, c := range []struct {
		status    int
		body      string
		permanent bool
		says      string
	}{
		{http.StatusBadRequest, `{"code": 21211, "message": "The 'To' number +13125550100 is not a valid phone number.", "status": 400}`, true,
			"The 'To' number +13125550100 is not a valid phone number. (Twilio error 21211)"},
		{http.StatusUnauthorized, `{"code": 20003, "message": "Authenticate", "status": 401}`, true, "Authenticate"},
		{http.StatusTooManyRequests, `{"code": 20429, "message": "Too Many Requests", "status": 429}`, false, "Too Many Requests"},
		{http.StatusInternalServerError, `oops`, false, "500"},
		{http.StatusServiceUnavailable, ``, false, "503"},
		{http.StatusCreated, `{}`, true, "without a sid"}, // sent, maybe: never send twice
	} {
		srv, _ := twilio(t, c.status, c.body)
		sid, err := NewSMS(srv.URL, "AC123", "tok-secret", "+13125550199", nil).Send(context.Background(), text)
		if err == nil || sid != "" {
			t.Errorf("%d: Send = %q, %v; want an error", c.status, sid, err)
			continue
		}
		if errors.Is(err, ErrPermanent) != c.permanent {
			t.Errorf("%d: permanent = %v, want %v: %v", c.status, errors.Is(err, ErrPermanent), c.permanent, err)
		}
		if !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "tok-secret") {
			t.Errorf("%d: error %q should say %q and not the token", c.status, err, c.says)
		}
	}
}

func TestSMSRefusesWithoutCalling(t *testing.T) {
	srv, calls := twilio(t, http.StatusCreated, `{"sid": "SM1"}`)
	s := NewSMS(srv.URL, "AC123", "tok-secret", "+13125550199", nil)
	for _, m := range []Message{{Channel: SMS, To: "3125550100", Text: "hi"}, {Channel: Email, To: "ana@example.com", Text: "hi"}} {
		if _, err := s.Send(context.Background(), m); !errors.Is(err, ErrPermanent) {
			t.Errorf("Send(%+v) = %v, want ErrPermanent", m, err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d calls to the API", n)
	}
	if strings.Contains(s.String(), "tok-secret") {
		t.Errorf("String() shows the token: %s", s)
	}
}

func TestSMSUnreachableIsTemporary(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := NewSMS(srv.URL, "AC123", "tok-secret", "+13125550199", nil).Send(context.Background(), text)
	if err == nil || errors.Is(err, ErrPermanent) {
		t.Errorf("Send to a closed server = %v, want a temporary error", err)
	}
}
