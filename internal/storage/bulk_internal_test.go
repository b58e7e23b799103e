package storage

import (
	"cmp"
	"database/sql"
	"slices"
	"strings"
	"testing"
)

// Every statement of a SQLite insert is kept prepared, so the sizes chunks
// cuts an insert into must cover its rows exactly and stay few, whatever
// the batch sizes the POS sends.
func TestChunksCoverEveryRowInFewSizes(t *testing.T) {
	for _, d := range []dialect{sqliteDialect{}, postgresDialect{}} {
		db := &DB{dialect: d}
		sizes := map[int]bool{}
		for n := 0; n <= 3*bulkRows+1; n++ {
			sum := 0
			for _, c := range db.chunks(n) {
				if c <= 0 || c > bulkRows {
					t.Fatalf("%s: %d rows: a statement of %d", d.name(), n, c)
				}
				sum += c
				sizes[c] = true
			}
			if sum != n {
				t.Fatalf("%s: %d rows cut into %v", d.name(), n, db.chunks(n))
			}
		}
		if d.name() == "sqlite" && len(sizes) > 21 {
			t.Fatalf("sqlite: %d statement sizes, want at most 21", len(sizes))
		}
	}
}

// Keys sent as a table come back from SQLite as they went in, of one
// store or several, however their stores are ordered and whatever their
// ids hold.
func TestSQLiteReadsEveryKeyBack(t *testing.T) {
	conn, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	d := sqliteDialect{}
	for _, keys := range [][]levelKey{
		{{"s-1", "K1"}},
		{{"s-1", "K1"}, {"s-1", "K2"}, {"s-1", `quote"sku`}},
		{{"s-1", "K1"}, {"s-1", "K2"}, {"s-2", "K1"}},
		{{"s-2", "K9"}, {"s-1", "K1"}, {"s-2", "K1"}, {"s-1", "K1"}},
		{{`quote"store`, `back\slash`}, {"tab\tstore", "ünïcode"}, {"<&>", ""}},
	} {
		table, args := d.keysTable(keys, 1)
		res, err := conn.Query(`SELECT a, b FROM `+table, args...)
		if err != nil {
			t.Fatal(err)
		}
		var got []levelKey
		for res.Next() {
			var k levelKey
			if err := res.Scan(&k.store, &k.sku); err != nil {
				t.Fatal(err)
			}
			got = append(got, k)
		}
		if err := res.Err(); err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(keys)
		for _, l := range [][]levelKey{got, want} {
			slices.SortFunc(l, func(a, b levelKey) int {
				return cmp.Or(strings.Compare(a.store, b.store), strings.Compare(a.sku, b.sku))
			})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("sent %q, read back %q", keys, got)
		}
	}
}
