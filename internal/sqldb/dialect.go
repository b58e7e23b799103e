package sqldb

import (
	"database/sql"

	"github.com/pressly/goose/v3"
)

// Dialect is what differs between the databases in SQL that is about no
// schema in particular. An aggregate's own differences (how it reads its
// keys fastest, say) stay with its SQL.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// SkipLocked ends a SELECT that claims rows: other claimers skip them
	// (PostgreSQL; SQLite has one writer).
	SkipLocked() string
	// LockRows is the clause that locks the rows of table a SELECT reads
	// until the transaction ends. SQLite needs none: its one writer
	// already excludes every other write.
	LockRows(table string) string
	// ShareRows is the clause that locks the rows of tables (a list) a
	// SELECT reads shared until the transaction ends: writers of those
	// rows wait, readers that lock them shared too do not. "" on SQLite.
	ShareRows(tables string) string
	// UniqueViolation reports whether err is a unique violation, and on what.
	UniqueViolation(err error) (detail string, ok bool)
	ForeignKeyViolation(err error) bool
	// JSONTextArray is a table expression with one text column "value"
	// holding the elements of the JSON array in param.
	JSONTextArray(param string) string
	// InList is "IN the JSON array of text in param", to follow a column.
	// On PostgreSQL it is "= ANY(ARRAY(...))", which the planner answers
	// with index probes once a table is big; "IN (SELECT ...)" over a
	// set-returning function, estimated at 100 rows, could become a hash
	// join over the whole table while its statistics lag its growth.
	// Either way a generic plan expects 100 values, and on a small table
	// scans it: a hot lookup of one value says "= $1".
	InList(param string) string
	// SnapshotTx is how to begin a read that sees one consistent snapshot.
	SnapshotTx() *sql.TxOptions
	// Positional reports whether multi-row statements should bind "?"
	// rather than "$n": modernc's SQLite looks each "$n" up by name in a
	// list, which costs O(n²) over the thousands of one bulk insert.
	Positional() bool

	gooseDialect() goose.Dialect
	migrationOptions() ([]goose.ProviderOption, error)
}
