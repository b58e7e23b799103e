package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// openPostgres opens a pool through pgx's own database/sql driver
// (pgx/v5/stdlib). database/sql sends BEGIN, each statement and COMMIT
// as it is told; pgx prepares each statement's text once per connection
// and keeps it (its statement cache), so bopis prepares nothing itself
// on PostgreSQL. Sessions keep the server's settings: a commit answers
// once durable as long as synchronous_commit is not off (on is
// PostgreSQL's default; see the README). Several bopis processes may
// share the database: every rule that must hold across them is enforced
// in SQL.
func openPostgres(ctx context.Context, url string, maxConns int) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := sql.OpenDB(stdlib.GetConnector(*cfg))
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return db, nil
}

type postgresDialect struct{}

func (postgresDialect) Name() string                { return "postgres" }
func (postgresDialect) gooseDialect() goose.Dialect { return goose.DialectPostgres }

// migrationOptions takes a session lock so that processes starting
// together apply each migration once.
func (postgresDialect) migrationOptions() ([]goose.ProviderOption, error) {
	l, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return []goose.ProviderOption{goose.WithSessionLocker(l)}, nil
}

func (postgresDialect) UniqueViolation(err error) (string, bool) {
	var e *pgconn.PgError
	if errors.As(err, &e) && e.Code == "23505" {
		return e.ConstraintName + " " + e.Detail, true
	}
	return "", false
}

func (postgresDialect) ForeignKeyViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23503"
}

func (postgresDialect) JSONTextArray(param string) string {
	return "jsonb_array_elements_text(" + param + "::jsonb) AS value"
}

func (postgresDialect) InList(param string) string {
	return "= ANY(ARRAY(SELECT jsonb_array_elements_text(" + param + "::jsonb)))"
}

// LockRows takes row locks, so that two transactions changing the same
// rows queue instead of both computing from the same old value.
func (postgresDialect) LockRows(table string) string { return " FOR UPDATE OF " + table }

func (postgresDialect) ShareRows(tables string) string { return " FOR SHARE OF " + tables }

func (postgresDialect) SkipLocked() string { return " FOR UPDATE SKIP LOCKED" }

func (postgresDialect) SnapshotTx() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

func (postgresDialect) Positional() bool { return false }
