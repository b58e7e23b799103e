package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// SMSSender sends texts through the Twilio Messages API (or anything that
// speaks it). It is safe for concurrent use.
type SMSSender struct {
	endpoint          string
	accountSID, token string
	from              string
	client            *http.Client
}

// NewSMS returns a Sender speaking the Twilio Messages API: POST
// {baseURL}/2010-04-01/Accounts/{accountSID}/Messages.json with form
// fields To, From and Body, and HTTP basic auth accountSID:authToken.
// baseURL "" is https://api.twilio.com; client nil is a client with a 10 s
// timeout.
func NewSMS(baseURL, accountSID, authToken, from string, client *http.Client) *SMSSender {
	if baseURL == "" {
		baseURL = "https://api.twilio.com"
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &SMSSender{
		endpoint:   strings.TrimRight(baseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(accountSID) + "/Messages.json",
		accountSID: accountSID, token: authToken, from: from, client: client,
	}
}

// String describes the sender without its auth token.
func (s *SMSSender) String() string { return "twilio " + s.endpoint }

// GoString keeps %#v from printing the auth token.
func (s *SMSSender) GoString() string { return "notify.SMSSender(" + s.endpoint + ")" }

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Send sends m.Text to m.To and returns the message's sid. A 2xx answer
// is success; 429, 5xx and network failures are temporary; any other
// answer, or a To that is not an E.164 number, wraps ErrPermanent. A 2xx
// without a sid also wraps ErrPermanent: the text may have gone out, and
// a retry could send it twice.
func (s *SMSSender) Send(ctx context.Context, m Message) (string, error) {
	if m.Channel != SMS {
		return "", permanent(fmt.Errorf("notify: SMS cannot send a %q message", m.Channel))
	}
	if !e164.MatchString(m.To) {
		return "", permanent(fmt.Errorf("notify: SMS: To %q is not an E.164 phone number", m.To))
	}
	form := url.Values{"To": {m.To}, "From": {s.from}, "Body": {m.Text}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", permanent(fmt.Errorf("notify: SMS: %w", err))
	}
	req.SetBasicAuth(s.accountSID, s.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("notify: SMS: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil && resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("notify: SMS: %s: %w", resp.Status, err)
	}
	// Twilio answers {"sid": …} on success and {"code", "message", …} on failure.
	var r struct {
		SID     string `json:"sid"`
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	jsonErr := json.Unmarshal(body, &r)
	switch code := resp.StatusCode; {
	case code/100 == 2:
		if jsonErr != nil || r.SID == "" {
			return "", permanent(fmt.Errorf("notify: SMS: %s without a sid (the text may have been sent)", resp.Status))
		}
		return r.SID, nil
	case code == http.StatusTooManyRequests || code >= 500 || code < 400:
		return "", fmt.Errorf("notify: SMS: %s%s", resp.Status, twilioReason(r.Code, r.Message))
	default:
		return "", permanent(fmt.Errorf("notify: SMS: %s%s", resp.Status, twilioReason(r.Code, r.Message)))
	}
}

func twilioReason(code int, msg string) string {
	switch {
	case msg != "" && code != 0:
		return fmt.Sprintf(": %s (Twilio error %d)", msg, code)
	case msg != "":
		return ": " + msg
	}
	return ""
}
