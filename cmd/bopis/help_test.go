package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Help asked for is an answer (exit 0) with text a person can use, for
// the command and for each subcommand; an unknown command is an error
// (exit 2) that shows the usage; `bopis version` names the version.
func TestHelpAndVersionAnswer(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string // in stdout or stderr
	}{
		{[]string{"help"}, []string{"bopis serve", "bopis demo", "bopis migrate", "bopis keys create", "bopis bench", "bopis version", "BOPIS_DB"}},
		{[]string{"--help"}, []string{"bopis serve", "COMMAND --help"}},
		{[]string{"-h"}, []string{"bopis serve"}},
		{[]string{"demo", "--help"}, []string{"-addr", "-file", "-seed"}},
		{[]string{"serve", "--help"}, []string{"-addr", "-db"}},
		{[]string{"migrate", "--help"}, []string{"-db"}},
		{[]string{"keys", "--help"}, []string{"keys create"}},
		{[]string{"keys", "create", "--help"}, []string{"-role", "-store"}},
		{[]string{"bench", "--help"}, []string{"feed|pickup|orders|flash|mixed"}},
		{[]string{"bench", "orders", "--help"}, []string{"-clients", "-duration"}},
		{[]string{"version"}, []string{"bopis ", "commit ", "go1."}},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), c.args, &stdout, &stderr); err != nil {
			t.Errorf("bopis %s: %v, want exit 0", strings.Join(c.args, " "), err)
			continue
		}
		out := stdout.String() + stderr.String()
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("bopis %s: the answer does not mention %q:\n%s", strings.Join(c.args, " "), w, out)
			}
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"nope"}, &stdout, &stderr); err == nil || !strings.Contains(stderr.String(), "Usage:") {
		t.Errorf("bopis nope: %v, stderr %q: want an error and the usage", err, stderr.String())
	}
	if err := run(context.Background(), nil, &stdout, &stderr); err == nil {
		t.Error("bopis with no command: no error, want exit 2 with the usage")
	}
}
