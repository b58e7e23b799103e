package ratelimit

import (
	"testing"
	"time"
)

// TestBucketsPerClient: a client may spend its burst, then waits for the
// rate; Empty tells without spending; other clients are not affected.
func TestBucketsPerClient(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	l := New(1, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	if ok, wait := l.Allow("a"); ok || wait <= 0 || wait > time.Second {
		t.Fatalf("4th request: allowed %v, wait %v; want refused, wait ≤ 1 s", ok, wait)
	}
	if empty, wait := l.Empty("a"); !empty || wait <= 0 {
		t.Fatalf("Empty after the burst: %v %v", empty, wait)
	}
	if empty, _ := l.Empty("b"); empty {
		t.Fatal("a client never seen is empty")
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another client was limited by a's requests")
	}
	now = now.Add(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("a second later a's token is not back")
	}
	l.Take("c")
	l.Take("c")
	l.Take("c")
	l.Take("c") // beyond the burst: no debt
	if empty, _ := l.Empty("c"); !empty {
		t.Fatal("three Takes did not empty c's burst")
	}
	now = now.Add(time.Second)
	if empty, _ := l.Empty("c"); empty {
		t.Fatal("a Take beyond the burst ran up a debt")
	}
}
