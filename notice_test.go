package bopis_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateNotice = flag.Bool("update-notice", false, "rewrite NOTICE from go.mod and the module cache's licence files")

// NOTICE names every module go.mod requires, with its version and licence,
// so the file cannot fall behind the dependencies: add or bump a module and
// this test fails until `go test -run TestNotice -update-notice .` is run
// (after `go mod download`, which puts each module's licence file in the
// module cache).
func TestNoticeNamesEveryModule(t *testing.T) {
	mods := requiredModules(t)
	if *updateNotice {
		writeNotice(t, mods)
	}
	notice, err := os.ReadFile("NOTICE")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		if !strings.Contains(string(notice), "\n- "+m.path+" "+m.version+" ") {
			t.Errorf("NOTICE does not name %s %s: run go mod download && go test -run TestNotice -update-notice .", m.path, m.version)
		}
	}
}

type module struct{ path, version string }

// requiredModules reads go.mod's require lines, direct and indirect.
func requiredModules(t *testing.T) []module {
	f, err := os.Open("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var mods []module
	block := false
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		switch {
		case line == "require (":
			block = true
			continue
		case block && line == ")":
			block = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimPrefix(line, "require ")
		case !block:
			continue
		}
		if fields := strings.Fields(line); len(fields) >= 2 {
			mods = append(mods, module{fields[0], fields[1]})
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(mods) == 0 {
		t.Fatal("go.mod requires nothing: the parser is wrong")
	}
	return mods
}

func writeNotice(t *testing.T, mods []module) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	cache := strings.TrimSpace(string(out))
	var b strings.Builder
	b.WriteString(`bopis
Copyright 2026 The bopis authors. Licensed under the Apache License,
Version 2.0 (see LICENSE).

bopis is built from the Go modules below, each under its own licence,
whose text is in the module's source. This list is checked against go.mod
by TestNoticeNamesEveryModule (notice_test.go).

`)
	for _, m := range mods {
		lic := licenceOf(t, filepath.Join(cache, escapePath(m.path)+"@"+m.version))
		fmt.Fprintf(&b, "- %s %s (%s)\n", m.path, m.version, lic)
	}
	b.WriteString(`
modernc.org/sqlite is a translation of SQLite's C source, which is in the
public domain.

Not distributed, used only by the end-to-end test in e2e/checkout-sdk
(npm): @bigcommerce/checkout-sdk 1.234.0 (MIT), jsdom 29.1.1 (MIT).
The web pages bundle no third-party code.
`)
	if err := os.WriteFile("NOTICE", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// escapePath is the module cache's case encoding: an upper-case letter is
// "!" and its lower case.
func escapePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

var licenceFile = regexp.MustCompile(`(?i)^(licen[cs]e|copying)`)

// licenceOf names the licence in a module's licence file by its wording.
func licenceOf(t *testing.T, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("%v: run go mod download first", err)
	}
	for _, e := range entries {
		if !licenceFile.MatchString(e.Name()) {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s := string(text)
		switch {
		case strings.Contains(s, "Apache License") && strings.Contains(s, "Version 2.0"):
			return "Apache-2.0"
		case strings.Contains(s, "Mozilla Public License Version 2.0"):
			return "MPL-2.0"
		case strings.Contains(s, "Permission is hereby granted, free of charge"):
			return "MIT"
		case strings.Contains(s, "Redistribution and use in source and binary forms") && strings.Contains(s, "endorse or promote"):
			return "BSD-3-Clause"
		case strings.Contains(s, "Redistribution and use in source and binary forms"):
			return "BSD-2-Clause"
		}
		t.Fatalf("%s: licence not recognised; name it in licenceOf", filepath.Join(dir, e.Name()))
	}
	t.Fatalf("%s: no licence file", dir)
	return ""
}
