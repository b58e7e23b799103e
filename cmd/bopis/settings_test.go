package main

import "testing"

// TestWebhookAllowPrivateSetting: BOPIS_WEBHOOK_ALLOW_PRIVATE is off
// unless set true, and a value that is not a boolean stops the start.
func TestWebhookAllowPrivateSetting(t *testing.T) {
	for v, want := range map[string]bool{"": false, "false": false, "true": true, "1": true} {
		t.Setenv("BOPIS_WEBHOOK_ALLOW_PRIVATE", v)
		n, err := loadNotify()
		if err != nil || n.AllowPrivateWebhooks != want {
			t.Errorf("%q: %v %v, want %v", v, n.AllowPrivateWebhooks, err, want)
		}
	}
	t.Setenv("BOPIS_WEBHOOK_ALLOW_PRIVATE", "yes please")
	if _, err := loadNotify(); err == nil {
		t.Error("a value that is not true or false was taken")
	}
}
