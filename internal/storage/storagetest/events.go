package storagetest

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"
)

// AddEvents writes n outbox events of type typ into the database at url
// (made by URL) through a connection of its own, as a backlog another
// process left: one statement, however large n is. Their payload is {}
// and their stores s-0 … s-99.
func AddEvents(t testing.TB, url, typ string, n int) {
	t.Helper()
	db, sqlite := raw(t, url)
	defer db.Close()
	payload := `'{}'::jsonb`
	if sqlite {
		payload = `'{}'`
	}
	if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < `+strconv.Itoa(n)+`)
		INSERT INTO events (type, store_id, subject, payload, created_at)
		SELECT $1, 's-' || (i % 100), 'SKU-' || i, `+payload+`, 0 FROM n`, typ); err != nil {
		t.Fatal(err)
	}
}

// Undispatched counts the outbox events of the database at url not yet
// fanned out.
func Undispatched(t testing.TB, url string) int {
	t.Helper()
	db, _ := raw(t, url)
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM events WHERE dispatched_at IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// raw opens a plain connection to the database at url, for the caller
// to close, and says whether it is SQLite.
func raw(t testing.TB, url string) (*sql.DB, bool) {
	driver, dsn := "pgx", url
	path, sqlite := strings.CutPrefix(url, "sqlite:")
	if sqlite {
		driver, dsn = "sqlite", path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db, sqlite
}
