package bench

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteSectionReplacesOnlyItsBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	const before = "# Benchmarks\n\nThe table at `<!-- bench:orders -->` below is the latest.\n\n" +
		"<!-- bench:orders -->\nold table\n<!-- /bench:orders -->\n\nNotes after the table.\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(path, "orders", "new table\n"); err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(path, "feed", "feed table"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const want = "# Benchmarks\n\nThe table at `<!-- bench:orders -->` below is the latest.\n\n" +
		"<!-- bench:orders -->\nnew table\n<!-- /bench:orders -->\n\nNotes after the table.\n\n" +
		"<!-- bench:feed -->\nfeed table\n<!-- /bench:feed -->\n"
	if string(got) != want {
		t.Fatalf("file after writing:\n%s\nwant:\n%s", got, want)
	}
}
