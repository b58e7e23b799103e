package bopis_test

import (
	"os"
	"os/exec"
	"testing"
)

// The example alert rules that docs/operations.md points operators to are
// a rule file Prometheus accepts: promtool checks their syntax and
// PromQL. CI installs promtool (Debian's prometheus package) and names it
// in BOPIS_TEST_PROMTOOL.
func TestAlertRulesPassPromtool(t *testing.T) {
	promtool := os.Getenv("BOPIS_TEST_PROMTOOL")
	if promtool == "" {
		t.Skip("BOPIS_TEST_PROMTOOL is not set")
	}
	out, err := exec.Command(promtool, "check", "rules", "deploy/prometheus-rules.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}
