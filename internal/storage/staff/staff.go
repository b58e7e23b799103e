// Package staff keeps the people who sign in as themselves (issue 41):
// the staff table, unique by email whatever its case, with the folded
// name and email that search reads alike on SQLite and PostgreSQL.
package staff

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// Staff is the staff over db.
type Staff struct {
	db *sqldb.DB
}

var _ bopis.StaffService = (*Staff)(nil)

// New is the staff over db.
func New(db *sqldb.DB) *Staff { return &Staff{db: db} }

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newID() string {
	var b [10]byte
	rand.Read(b[:]) // never fails (Go 1.24+)
	return "stf_" + strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// Columns are the staff table's columns that make a bopis.Staff.
const Columns = `id, email, name, role, store_ids, disabled, created_at, updated_at`

// Scan reads a row of Columns.
func Scan(row sqldb.Scanner) (*bopis.Staff, error) {
	var (
		s                bopis.Staff
		stores           string
		created, updated int64
	)
	if err := row.Scan(&s.ID, &s.Email, &s.Name, &s.Role, &stores, &s.Disabled, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(stores), &s.StoreIDs); err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = sqldb.FromMicros(created), sqldb.FromMicros(updated)
	return &s, nil
}

func notFound() error { return bopis.Errorf(bopis.ENOTFOUND, "no such staff member") }

func emailTaken() error {
	return &bopis.Error{Code: bopis.ECONFLICT, Message: "a staff member already has that email address",
		Fields: []bopis.FieldError{{Path: "email", Message: "is already in use"}}}
}

// checkStores answers EINVALID naming the first store of ids that does not exist.
func checkStores(ctx context.Context, tx *sql.Tx, ids []string) error {
	for i, s := range ids {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM stores WHERE id = $1`, s).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return &bopis.Error{Code: bopis.EINVALID, Message: "staff member is invalid",
				Fields: []bopis.FieldError{{Path: fmt.Sprintf("store_ids[%d]", i), Message: "no such store"}}}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func storesJSON(ids []string) string {
	if ids == nil {
		ids = []string{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// CreateStaff stores a new staff member, without a password, giving it
// an id and its times.
func (st *Staff) CreateStaff(ctx context.Context, s *bopis.Staff) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.ID = newID()
	now, us := st.db.NowMicros()
	err := st.db.Transact(ctx, func(tx *sql.Tx) error {
		if err := checkStores(ctx, tx, s.StoreIDs); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO staff (id, email, email_folded, name, name_folded, role, store_ids, disabled, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			s.ID, s.Email, bopis.NormalizeEmail(s.Email), s.Name, strings.ToLower(s.Name), s.Role, storesJSON(s.StoreIDs), s.Disabled, us)
		if _, dup := st.db.Dialect().UniqueViolation(err); dup {
			return emailTaken()
		}
		return err
	})
	if err == nil {
		s.CreatedAt, s.UpdatedAt = now, now
	}
	return err
}

// GetStaff returns the staff member id names.
func (st *Staff) GetStaff(ctx context.Context, id string) (*bopis.Staff, error) {
	return st.get(ctx, st.db.Readers(), id)
}

// rowQuerier is a pool or a *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (st *Staff) get(ctx context.Context, q rowQuerier, id string) (*bopis.Staff, error) {
	if !bopis.ValidID(id) {
		return nil, notFound()
	}
	s, err := Scan(q.QueryRowContext(ctx, `SELECT `+Columns+` FROM staff WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	return s, err
}

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// SearchStaff lists one page of the staff whose name or email holds q.
func (st *Staff) SearchStaff(ctx context.Context, q string, p bopis.Page) ([]bopis.Staff, string, error) {
	q = strings.TrimSpace(q)
	if !bopis.ValidText(q) || len(q) > bopis.MaxStaffSearchQuery || strings.ContainsAny(q, "\r\n") {
		return nil, "", &bopis.Error{Code: bopis.EINVALID, Message: "invalid search",
			Fields: []bopis.FieldError{{Path: "q", Message: fmt.Sprintf("must be one line of text of at most %d bytes", bopis.MaxStaffSearchQuery)}}}
	}
	like := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
	return sqldb.List(ctx, st.db.Readers(), p, `SELECT `+Columns+` FROM staff WHERE id > $1
		AND (name_folded LIKE $2 ESCAPE '!' OR email_folded LIKE $2 ESCAPE '!') ORDER BY id`, []any{like},
		Scan, func(s *bopis.Staff) string { return s.ID })
}

// UpdateStaff replaces what s.ID's staff member is; disabling ends
// their sessions.
func (st *Staff) UpdateStaff(ctx context.Context, s *bopis.Staff) error {
	if err := s.Validate(); err != nil {
		return err
	}
	_, us := st.db.NowMicros()
	return st.db.Transact(ctx, func(tx *sql.Tx) error {
		if err := checkStores(ctx, tx, s.StoreIDs); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE staff SET email = $2, email_folded = $3, name = $4, name_folded = $5, role = $6,
			store_ids = $7, disabled = $8, updated_at = $9 WHERE id = $1`,
			s.ID, s.Email, bopis.NormalizeEmail(s.Email), s.Name, strings.ToLower(s.Name), s.Role, storesJSON(s.StoreIDs), s.Disabled, us)
		if _, dup := st.db.Dialect().UniqueViolation(err); dup {
			return emailTaken()
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound()
		}
		if s.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE staff_id = $1`, s.ID); err != nil {
				return err
			}
		}
		got, err := st.get(ctx, tx, s.ID)
		if err == nil {
			*s = *got
		}
		return err
	})
}

// DisableStaff disables id's staff member and ends their sessions.
func (st *Staff) DisableStaff(ctx context.Context, id string) (*bopis.Staff, error) {
	var s *bopis.Staff
	_, us := st.db.NowMicros()
	err := st.db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		if s, err = st.get(ctx, tx, id); err != nil {
			return err
		}
		if !s.Disabled {
			if _, err := tx.ExecContext(ctx, `UPDATE staff SET disabled = true, updated_at = $2 WHERE id = $1`, id, us); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE staff_id = $1`, id); err != nil {
			return err
		}
		s, err = st.get(ctx, tx, id)
		return err
	})
	return s, err
}
