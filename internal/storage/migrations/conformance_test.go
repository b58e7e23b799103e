package migrations_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/bopis/bopis/internal/sqldb"
	"github.com/bopis/bopis/internal/storage/migrations"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// schema is what the conformance test compares of a migrated database:
// its tables, each column's kind and nullability, each table's primary
// key, and the names of the indexes the migrations create.
type schema struct {
	columns map[string]column // "table.column"
	tables  map[string]bool
	pkeys   map[string]string // table: its primary key's columns, in order
	indexes map[string]string // index name: its table
	// nullKeys are SQLite's primary key columns that take NULL.
	nullKeys []string
}

type column struct {
	kind    string // integer, float, text, bool, bytes
	notNull bool
}

// Deliberate differences between the two folders, each with its reason.
// Anything else that differs fails the test.
var (
	// Tables only one database has.
	onlySQLite = map[string]string{
		"change_seq": "SQLite's change counter: its writers stamp versions once per statement (ADR 0011); PostgreSQL uses transaction ids",
	}
	onlyPostgres = map[string]string{}
	// Columns ("table.column") only one database has.
	columnsOnlySQLite   = map[string]string{}
	columnsOnlyPostgres = map[string]string{}
	// SQLite primary key columns that take NULL: any but a lone INTEGER
	// PRIMARY KEY (the rowid) does unless declared NOT NULL, a quirk
	// SQLite keeps for compatibility (lang_createtable.html). These
	// tables were made so; making them NOT NULL would rebuild each
	// table, and bopis writes no NULL key: every key it stores is
	// validated (bopis.ValidID) or made by it. They are compared as NOT
	// NULL, as on PostgreSQL; a new table declares its key NOT NULL.
	nullKeysOnSQLite = []string{"api_keys.id", "holds.id", "instance_keys.name", "orders.id", "skus.sku",
		"store_feeds.store_id", "stores.id", "test_payments.id", "webhooks.id"}
	// Indexes only one database has.
	indexesOnlySQLite = map[string]string{
		"skus_threshold": "SQLite's POS batches read SKUs' thresholds from it (INDEXED BY, migration 00017); PostgreSQL's plans need none",
	}
	indexesOnlyPostgres = map[string]string{
		"inventory_levels_version": "on SQLite the change feed finds changed levels by the ledger, not by version (ADR 0020, migration 00014)",
	}
)

// The two migration folders, fully applied, make the same tables,
// columns (name, nullability, and kind: each database's types mapped to
// one of a few kinds), primary keys and index names, but for the
// deliberate differences listed above. Constraint-backed indexes (of a
// PRIMARY KEY or UNIQUE) are named by each database itself and left
// out; the primary keys are compared instead.
func TestMigrationsMakeTheSameSchema(t *testing.T) {
	if os.Getenv(storagetest.PostgresEnv) == "" {
		t.Skipf("set %s to compare the SQLite and PostgreSQL schemas", storagetest.PostgresEnv)
	}
	ctx := context.Background()
	read := func(backend string) *schema {
		db, err := sqldb.Open(ctx, sqldb.Config{URL: storagetest.URL(t, backend), Migrations: migrations.FS})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var s *schema
		if backend == "sqlite" {
			s, err = readSQLite(ctx, db.Writer())
		} else {
			s, err = readPostgres(ctx, db.Writer())
		}
		if err != nil {
			t.Fatalf("%s: %v", backend, err)
		}
		return s
	}
	lite, pg := read("sqlite"), read("postgres")

	var diffs []string
	diff := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	for _, name := range union(lite.tables, pg.tables) {
		switch {
		case !pg.tables[name] && onlySQLite[name] == "":
			diff("table %s: only on SQLite", name)
		case !lite.tables[name] && onlyPostgres[name] == "":
			diff("table %s: only on PostgreSQL", name)
		case lite.tables[name] && pg.tables[name] && lite.pkeys[name] != pg.pkeys[name]:
			diff("table %s: primary key (%s) on SQLite, (%s) on PostgreSQL", name, lite.pkeys[name], pg.pkeys[name])
		}
	}
	for _, name := range union(lite.columns, pg.columns) {
		table, _, _ := strings.Cut(name, ".")
		if !lite.tables[table] || !pg.tables[table] {
			continue // the table's own difference says it
		}
		l, inLite := lite.columns[name]
		p, inPG := pg.columns[name]
		switch {
		case !inPG && columnsOnlySQLite[name] == "":
			diff("column %s: only on SQLite", name)
		case !inLite && columnsOnlyPostgres[name] == "":
			diff("column %s: only on PostgreSQL", name)
		case inLite && inPG && l != p:
			diff("column %s: %s on SQLite, %s on PostgreSQL", name, l, p)
		}
	}
	for _, name := range union(lite.indexes, pg.indexes) {
		l, inLite := lite.indexes[name]
		p, inPG := pg.indexes[name]
		switch {
		case !inPG && indexesOnlySQLite[name] == "":
			diff("index %s (on %s): only on SQLite", name, l)
		case !inLite && indexesOnlyPostgres[name] == "":
			diff("index %s (on %s): only on PostgreSQL", name, p)
		case inLite && inPG && l != p:
			diff("index %s: on %s on SQLite, on %s on PostgreSQL", name, l, p)
		}
	}
	for _, name := range union(setOf(lite.nullKeys), setOf(nullKeysOnSQLite)) {
		switch {
		case !slices.Contains(nullKeysOnSQLite, name):
			diff("column %s: a PRIMARY KEY column that takes NULL on SQLite: declare it NOT NULL", name)
		case !slices.Contains(lite.nullKeys, name):
			diff("column %s: listed in nullKeysOnSQLite, but NOT NULL (or gone) now: take it off the list", name)
		}
	}
	for _, d := range diffs {
		t.Error(d)
	}
	t.Logf("compared %d tables, %d columns, %d indexes", len(lite.tables), len(lite.columns), len(lite.indexes))
}

func (c column) String() string {
	if c.notNull {
		return c.kind + " NOT NULL"
	}
	return c.kind + " NULL"
}

// ignored are tables that are not bopis's: goose's own bookkeeping.
func ignored(table string) bool { return table == "goose_db_version" }

func readSQLite(ctx context.Context, db *sql.DB) (*schema, error) {
	s := &schema{columns: map[string]column{}, tables: map[string]bool{}, pkeys: map[string]string{}, indexes: map[string]string{}}
	tables, err := strings1(ctx, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, err
	}
	for _, table := range tables {
		if ignored(table) {
			continue
		}
		s.tables[table] = true
		rows, err := db.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table)
		if err != nil {
			return nil, err
		}
		pk := map[int]string{}
		nullable := map[string]string{} // key columns not declared NOT NULL: their types
		for rows.Next() {
			var name, typ string
			var notNull bool
			var pos int
			if err := rows.Scan(&name, &typ, &notNull, &pos); err != nil {
				rows.Close()
				return nil, err
			}
			if pos > 0 {
				pk[pos] = name
				if !notNull {
					nullable[name] = typ
				}
				// A PRIMARY KEY column is NOT NULL on PostgreSQL: see below.
				notNull = true
			}
			s.columns[table+"."+name] = column{sqliteKind(typ), notNull}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		// A lone INTEGER PRIMARY KEY is the rowid, never NULL; other key
		// columns not declared NOT NULL take NULL (see nullKeysOnSQLite).
		for name, typ := range nullable {
			if len(pk) != 1 || !strings.EqualFold(typ, "INTEGER") {
				s.nullKeys = append(s.nullKeys, table+"."+name)
			}
		}
		var key []string
		for i := 1; i <= len(pk); i++ {
			key = append(key, pk[i])
		}
		s.pkeys[table] = strings.Join(key, ", ")
	}
	// Indexes the migrations create; SQLite's own for PRIMARY KEY and
	// UNIQUE constraints (sqlite_autoindex_…) have no SQL.
	rows, err := db.QueryContext(ctx, `SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return nil, err
		}
		s.indexes[name] = table
	}
	return s, rows.Err()
}

// sqliteKind maps a declared type to its kind by SQLite's own affinity
// rules (datatype3.html), with BOOLEAN apart.
func sqliteKind(typ string) string {
	t := strings.ToUpper(typ)
	switch {
	case strings.Contains(t, "BOOL"):
		return "bool"
	case strings.Contains(t, "INT"):
		return "integer"
	case strings.Contains(t, "CHAR"), strings.Contains(t, "TEXT"), strings.Contains(t, "CLOB"):
		return "text"
	case t == "" || strings.Contains(t, "BLOB"):
		return "bytes"
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return "float"
	}
	return "numeric " + t
}

func readPostgres(ctx context.Context, db *sql.DB) (*schema, error) {
	s := &schema{columns: map[string]column{}, tables: map[string]bool{}, pkeys: map[string]string{}, indexes: map[string]string{}}
	tables, err := strings1(ctx, db, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		return nil, err
	}
	for _, table := range tables {
		if !ignored(table) {
			s.tables[table] = true
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_nullable = 'NO'
		FROM information_schema.columns WHERE table_schema = current_schema()`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, name, typ string
		var notNull bool
		if err := rows.Scan(&table, &name, &typ, &notNull); err != nil {
			rows.Close()
			return nil, err
		}
		if s.tables[table] {
			s.columns[table+"."+name] = column{postgresKind(typ), notNull}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT t.relname, a.attname FROM pg_constraint k
		JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
		JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS c(attnum, pos) ON true
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.attnum
		WHERE k.contype = 'p' AND n.nspname = current_schema() ORDER BY t.relname, c.pos`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			rows.Close()
			return nil, err
		}
		if s.pkeys[table] != "" {
			col = s.pkeys[table] + ", " + col
		}
		s.pkeys[table] = col
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Indexes the migrations create: not those PostgreSQL makes for a
	// constraint (PRIMARY KEY, UNIQUE), which it names itself.
	rows, err = db.QueryContext(ctx, `SELECT i.relname, t.relname FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return nil, err
		}
		if s.tables[table] {
			s.indexes[name] = table
		}
	}
	return s, rows.Err()
}

// postgresKind maps a type to its kind. JSONB is text: SQLite keeps JSON
// as TEXT, and bopis reads and writes it as text on both.
func postgresKind(typ string) string {
	switch typ {
	case "bigint", "integer", "smallint":
		return "integer"
	case "text", "character varying", "character", "jsonb", "json":
		return "text"
	case "double precision", "real":
		return "float"
	case "boolean":
		return "bool"
	case "bytea":
		return "bytes"
	}
	return typ
}

// strings1 is the first column of every row of query.
func strings1(ctx context.Context, db *sql.DB, query string) ([]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// setOf is list as a set.
func setOf(list []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range list {
		m[s] = true
	}
	return m
}

// union is the keys of a and b, sorted.
func union[V any](a, b map[string]V) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}
