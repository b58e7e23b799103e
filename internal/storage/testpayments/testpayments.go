// Package testpayments keeps the test gateway's authorizations
// (payment.TestStore): rows of their own, or written in the transaction
// of the order they authorize (Insert).
package testpayments

import (
	"context"
	"database/sql"
	"errors"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/sqldb"
)

// The test gateway's authorizations: TestPayments implements payment.TestStore.
var _ payment.TestStore = (*TestPayments)(nil)

// TestPayments is the test gateway's table in db.
type TestPayments struct {
	db *sqldb.DB
}

// New is the test gateway's table in db.
func New(db *sqldb.DB) *TestPayments { return &TestPayments{db: db} }

const testPaymentColumns = `id, token, reference, amount, currency, captured, status, expires_at, created_at, updated_at`

// CreateTestPayment stores a new authorization of the test gateway, with
// the times it carries, in a transaction of its own, and returns once it
// is durable: like a real gateway's, an authorization that answered
// exists whatever happens to bopis after. (ADR 0014, superseded, had it
// wait for no disk and ride on the order's later commit.) An order's
// authorization is written in the order's transaction instead
// (Placement.TestPayment).
func (t *TestPayments) CreateTestPayment(ctx context.Context, p bopis.TestPayment) error {
	q, args := Insert(p)
	err := t.db.Exec(ctx, q, args...)
	if _, ok := t.db.Dialect().UniqueViolation(err); ok {
		return bopis.Errorf(bopis.ECONFLICT, "test payment %q already exists", p.ID)
	}
	return err
}

// Insert is the statement that stores p, and its parameters: for the
// transaction of the order p authorizes (Placement.TestPayment).
func Insert(p bopis.TestPayment) (string, []any) {
	return `INSERT INTO test_payments (` + testPaymentColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		[]any{p.ID, p.Token, p.Reference, p.Amount.Amount, p.Amount.Currency, p.Captured, p.Status,
			sqldb.Micros(p.ExpiresAt), sqldb.Micros(p.CreatedAt), sqldb.Micros(p.UpdatedAt)}
}

// UpdateTestPayment loads payment id in a write transaction with its row
// locked, calls fn, and saves what fn left in *p when fn returns nil. fn
// runs inside the transaction: it must not call the database.
func (t *TestPayments) UpdateTestPayment(ctx context.Context, id string, fn func(p *bopis.TestPayment) error) error {
	return t.db.Transact(ctx, func(tx *sql.Tx) error {
		p, err := scanTestPayment(tx.QueryRowContext(ctx, `SELECT `+testPaymentColumns+` FROM test_payments
			WHERE id = $1`+t.db.Dialect().LockRows("test_payments"), id), id)
		if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE test_payments SET token = $2, reference = $3, amount = $4, currency = $5,
			captured = $6, status = $7, expires_at = $8, created_at = $9, updated_at = $10 WHERE id = $1`,
			id, p.Token, p.Reference, p.Amount.Amount, p.Amount.Currency, p.Captured, p.Status,
			sqldb.Micros(p.ExpiresAt), sqldb.Micros(p.CreatedAt), sqldb.Micros(p.UpdatedAt))
		return err
	})
}

// TestPayment returns payment id of the test gateway.
func (t *TestPayments) TestPayment(ctx context.Context, id string) (bopis.TestPayment, error) {
	return scanTestPayment(t.db.Readers().QueryRowContext(ctx, `SELECT `+testPaymentColumns+` FROM test_payments WHERE id = $1`, id), id)
}

func scanTestPayment(row *sql.Row, id string) (bopis.TestPayment, error) {
	var p bopis.TestPayment
	var expires, created, updated int64
	err := row.Scan(&p.ID, &p.Token, &p.Reference, &p.Amount.Amount, &p.Amount.Currency, &p.Captured, &p.Status,
		&expires, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return p, sqldb.NotFound("payment authorization", id)
	}
	if err != nil {
		return p, err
	}
	p.ExpiresAt, p.CreatedAt, p.UpdatedAt = sqldb.FromMicros(expires), sqldb.FromMicros(created), sqldb.FromMicros(updated)
	return p, nil
}
