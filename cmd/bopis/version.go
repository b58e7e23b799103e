package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// buildInfo is what `bopis version` prints and /healthz answers: the
// module's version as the go command stamped it (a tag, or a
// pseudo-version from the commit; -ldflags "-X main.version=…" wins), the
// commit, whether the tree had changes, and the commit's time.
type buildInfo struct {
	Version, Commit, Date, Go string
	Modified                  bool
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Commit: "unknown", Date: "unknown"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Go = info.GoVersion
	if b.Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Date = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the version as one word for logs and /healthz.
func (b buildInfo) String() string {
	v := b.Version
	if b.Commit != "unknown" && len(b.Commit) >= 12 {
		v += "+" + b.Commit[:12]
	}
	if b.Modified {
		v += "-modified"
	}
	return v
}

func printVersion(w io.Writer) {
	b := readBuildInfo()
	fmt.Fprintf(w, "bopis %s\ncommit %s", b.Version, b.Commit)
	if b.Modified {
		fmt.Fprint(w, " (with uncommitted changes)")
	}
	fmt.Fprintf(w, "\nbuilt from the commit of %s\n%s\n", b.Date, b.Go)
}
