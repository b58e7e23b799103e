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

// The dependencies point inward (issue 39): the domain's types and
// services are the root package's, so no package needs the database's
// but the wiring (cmd/bopis, its benchmarks, internal/app) and the
// database's own packages; tests may open a database. And the rules
// (the root package, calendar, orderstate, routing, inventory) depend on
// no database at all.
func TestDependenciesPointInward(t *testing.T) {
	const module = "github.com/bopis/bopis"
	storageLike := func(p string) bool {
		for _, s := range []string{module + "/internal/storage", module + "/internal/sqldb"} {
			if p == s || strings.HasPrefix(p, s+"/") {
				return true
			}
		}
		return false
	}
	wiring := map[string]bool{
		module + "/cmd/bopis":                true,
		module + "/cmd/bopis/internal/bench": true,
		module + "/internal/app":             true,
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || storageLike(f[0]) || wiring[f[0]] {
			continue
		}
		for _, imp := range f[1:] {
			if storageLike(imp) {
				t.Errorf("%s imports %s: only the wiring may; take the root package's types and services", f[0], imp)
			}
		}
	}
	for _, pkg := range []string{".", "./internal/calendar", "./internal/orderstate", "./internal/routing", "./internal/inventory"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "database/sql" || strings.HasPrefix(dep, "database/sql/") || strings.HasPrefix(dep, "github.com/jackc/pgx") ||
				strings.HasPrefix(dep, "modernc.org/sqlite") || storageLike(dep) {
				t.Errorf("%s depends on %s: the rules use no database", pkg, dep)
			}
		}
	}
}
