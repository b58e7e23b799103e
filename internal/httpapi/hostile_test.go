package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bopis/bopis/internal/storage/storagetest"
)

// hostileStrings are what a careless client or an attacker puts where
// text is expected. "\xff\xfe" is sent as raw bytes, not escaped.
var hostileStrings = []string{"\x00", "a\x00b", "\x01\x1b[31m", "\xff\xfe", "\xed\xa0\x80", `\ud800`,
	strings.Repeat("x", 70000), "../../etc/passwd", "' OR 1=1 --", "<script>alert(1)</script>", "\u202egnp.exe",
	"http://169.254.169.254/latest/meta-data/", "http://127.1:22/", "http://2130706433/", "http://user:pass@10.0.0.1/"}

// hostileValues replace numbers and whole values.
var hostileValues = []any{-1, 0, 1e30, -9223372036854775808, 9223372036854775807, 1.5, "12", true, nil,
	[]any{}, map[string]any{}, strings.Repeat("[", 200)}

// seedBodies are the fuzz corpus's bodies per route index, the valid
// shapes hostile requests start from.
func seedBodies(t *testing.T) map[int][]string {
	files, _ := filepath.Glob("testdata/fuzz/FuzzAPI/*")
	out := map[int][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		route, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(lines[1], "uint8("), ")"))
		body, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[3], "[]byte("), ")"))
		if err != nil || body == "" || route >= len(fuzzRoutes) {
			continue
		}
		out[route] = append(out[route], body)
	}
	return out
}

// mutate replaces one value of a JSON document, chosen by rng, with a
// hostile one; raw invalid bytes are spliced in after encoding.
func mutate(rng *rand.Rand, doc any) []byte {
	var slots []func(any)
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		slots = append(slots, set)
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(c, func(n any) { x[k] = n })
			}
		case []any:
			for i, c := range x {
				walk(c, func(n any) { x[i] = n })
			}
		}
	}
	walk(doc, func(any) {})
	const raw = "\u2603RAW\u2603"
	var splice string
	if len(slots) > 1 {
		set := slots[1+rng.IntN(len(slots)-1)]
		if rng.IntN(2) == 0 {
			s := hostileStrings[rng.IntN(len(hostileStrings))]
			if !utf8.ValidString(s) || strings.HasPrefix(s, `\u`) { // sent as raw bytes
				splice, s = s, raw
			}
			set(s)
		} else {
			set(hostileValues[rng.IntN(len(hostileValues))])
		}
	}
	b, _ := json.Marshal(doc)
	if splice != "" {
		b = bytes.Replace(b, []byte(raw), []byte(splice), 1)
	}
	return b
}

// hostileCount is how many hostile requests each database gets: 2,000 in
// the test suite, BOPIS_TEST_HOSTILE_REQUESTS (e.g. 20000) for a red-team run.
func hostileCount() int {
	if n, err := strconv.Atoi(os.Getenv("BOPIS_TEST_HOSTILE_REQUESTS")); err == nil && n > 0 {
		return n
	}
	return 2000
}

// TestHostileRequests sends what an attacker or a careless client would,
// to every route, on every database: valid bodies with one value made
// hostile (NUL, control characters, invalid UTF-8, huge or wrong-typed
// values, internal webhook addresses), junk path segments, unknown
// fields by the thousand, bodies just over a route's limit, no key and
// bad keys. None may be a 5xx; every error is a bounded problem+json.
func TestHostileRequests(t *testing.T) {
	seeds := seedBodies(t)
	n := hostileCount()
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			srv, doc := fuzzServe(t, backend)
			targets := fuzzTargets(doc)
			rng := rand.New(rand.NewPCG(37, uint64(len(backend))))
			var statuses = map[int]int{}
			for i := range n {
				r := targets[rng.IntN(len(targets))]
				seg := ""
				body := []byte(`{}`)
				key := srv.keys[r.role]
				switch kind := rng.IntN(10); {
				case kind < 5 && len(seeds[indexOf(r)]) > 0: // a valid body made hostile
					var v any
					list := seeds[indexOf(r)]
					json.Unmarshal([]byte(list[rng.IntN(len(list))]), &v)
					body = mutate(rng, v)
				case kind < 5:
					body = mutate(rng, map[string]any{"url": "http://example.com/hook", "secret": "0123456789abcdef",
						"name": "x", "role": "storefront", "reason": "x", "vehicle": "x", "parking_spot": "x",
						"staging_location": "x", "pickup_code": "123456", "sku": "A", "delta": 1})
				case kind == 5: // a junk id in the path
					seg = hostileStrings[rng.IntN(len(hostileStrings))]
					if len(seg) > 2000 {
						seg = seg[:2000]
					}
				case kind == 6: // thousands of unknown fields
					var b strings.Builder
					b.WriteString(`{"a":1`)
					for k := range 3000 {
						fmt.Fprintf(&b, `,"k%d":%d`, k, k)
					}
					b.WriteString("}")
					body = []byte(b.String())
				case kind == 7: // just over the largest body a route takes
					body = bytes.Repeat([]byte(" "), 256<<10+1)
				case kind == 8: // no key, or a bad one
					key = []string{"", "bopis_" + strconv.Itoa(i), "bopis_\xff\xfe", strings.Repeat("k", 5000)}[rng.IntN(4)]
				default: // junk that is not JSON
					body = []byte{'{', byte(rng.IntN(256)), 0, 0xff, '"'}
				}
				req, err := http.NewRequest(r.method, srv.url+fuzzPath(r, seg, srv.ready), bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("hostile-%d", i))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				answer, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
				res.Body.Close()
				statuses[res.StatusCode]++
				switch {
				case res.StatusCode >= 500 && res.StatusCode != http.StatusNotImplemented:
					t.Errorf("%s %s: %d %.300s\nbody %.600q", r.method, req.URL.Path, res.StatusCode, answer, body)
				case len(answer) > maxAnswer:
					t.Errorf("%s %s: answered %d bytes", r.method, req.URL.Path, len(answer))
				case res.StatusCode >= 300 && res.Header.Get("Content-Type") != "application/problem+json":
					t.Errorf("%s %s: %d as %q", r.method, req.URL.Path, res.StatusCode, res.Header.Get("Content-Type"))
				}
			}
			t.Logf("%d hostile requests on %s: answers by status %v", n, backend, statuses)
			storagetest.CheckReplay(t, srv.db, "near")
		})
	}
}

// indexOf is r's index among fuzzRoutes, or -1.
func indexOf(r fuzzRoute) int {
	for i, f := range fuzzRoutes {
		if f == r {
			return i
		}
	}
	return -1
}
