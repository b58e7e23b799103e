package sqldb

import "testing"

// Every statement of a SQLite insert is kept prepared, so the sizes Chunks
// cuts an insert into must cover its rows exactly and stay few, whatever
// the batch sizes the POS sends.
func TestChunksCoverEveryRowInFewSizes(t *testing.T) {
	for _, d := range []Dialect{sqliteDialect{}, postgresDialect{}} {
		db := &DB{dialect: d}
		sizes := map[int]bool{}
		for n := 0; n <= 3*bulkRows+1; n++ {
			sum := 0
			for _, c := range db.Chunks(n) {
				if c <= 0 || c > bulkRows {
					t.Fatalf("%s: %d rows: a statement of %d", d.Name(), n, c)
				}
				sum += c
				sizes[c] = true
			}
			if sum != n {
				t.Fatalf("%s: %d rows cut into %v", d.Name(), n, db.Chunks(n))
			}
		}
		if d.Name() == "sqlite" && len(sizes) > 21 {
			t.Fatalf("sqlite: %d statement sizes, want at most 21", len(sizes))
		}
	}
}
