package bopis_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// docs/architecture.md is the one-page map: every package of the module
// is named there (in backquotes, by its path), so a package added or
// moved without its line fails here.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	doc, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p, "github.com/bopis/bopis"), "/")
		if rel == "" {
			continue // the root package's row is `bopis` (root)
		}
		if !strings.Contains(string(doc), "`"+rel+"`") {
			t.Errorf("docs/architecture.md does not name `%s`", rel)
		}
	}
}
