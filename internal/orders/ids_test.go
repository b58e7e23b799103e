package orders

import (
	"regexp"
	"testing"
	"time"
)

// TestIDsSortByTime: ids are prefix-<26 base32 characters>, never repeat,
// and an id made in a later millisecond sorts after an earlier one (what
// keeps an order's rows at the end of their indexes).
func TestIDsSortByTime(t *testing.T) {
	shape := regexp.MustCompile(`^o-[2-7a-z]{26}$`)
	seen := map[string]bool{}
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	prev := ""
	for ms := range 2000 {
		when := at.Add(time.Duration(ms*ms) * time.Millisecond)
		first := idAt("o", when)
		for range 20 {
			id := idAt("o", when)
			if !shape.MatchString(id) {
				t.Fatalf("id %q has the wrong shape", id)
			}
			if seen[id] {
				t.Fatalf("id %q made twice", id)
			}
			seen[id] = true
		}
		if first <= prev {
			t.Fatalf("id %q made at %s sorts before %q, made earlier", first, when, prev)
		}
		prev = first
	}
	if id := newID("h"); !regexp.MustCompile(`^h-[2-7a-z]{26}$`).MatchString(id) {
		t.Fatalf("newID made %q", id)
	}
}
