package stock

import (
	"cmp"
	"database/sql"
	"slices"
	"strings"
	"testing"
)

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
