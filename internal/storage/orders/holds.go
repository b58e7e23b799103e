package orders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
	"github.com/bopis/bopis/internal/storage/stock"
)

// PlaceHold reserves the hold's lines and books a slot at the first
// attempt that can take them, and writes the hold, in one transaction.
func (db *Orders) PlaceHold(ctx context.Context, p bopis.HoldPlacement) (*bopis.Hold, error) {
	t, now := db.sql.NowMicros()
	h := p.Hold
	h.Status, h.CreatedAt = bopis.HoldActive, t
	err := db.sql.Transact(ctx, func(tx *sql.Tx) error {
		lines := make([]bopis.ReserveLine, len(h.Lines))
		for i, l := range h.Lines {
			lines[i] = bopis.ReserveLine{SKU: l.SKU, Quantity: l.Quantity}
		}
		a, w, err := db.tryAttempts(ctx, tx, p.Attempts, h.ID, lines, now, nil)
		if err != nil {
			return err
		}
		h.StoreID, h.TimeZone, h.PickupWindow = a.StoreID, a.TimeZone, w
		b, err := json.Marshal(h.Lines)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO holds (id, status, store_id, method, time_zone, slot_start, slot_end, lines,
			expires_at, created_by, order_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, $11)`,
			h.ID, h.Status, h.StoreID, h.Method, h.TimeZone, sqldb.Micros(w.Start), sqldb.Micros(w.End), string(b), sqldb.Micros(h.ExpiresAt),
			p.CreatedBy, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return localHold(&h), nil
}

const holdColumns = `id, status, store_id, method, time_zone, slot_start, slot_end, lines, expires_at, order_id, created_at, created_by`

func scanHold(r sqldb.Scanner) (*bopis.Hold, string, error) {
	var h bopis.Hold
	var start, end, expires, created int64
	var lines, createdBy string
	if err := r.Scan(&h.ID, &h.Status, &h.StoreID, &h.Method, &h.TimeZone, &start, &end, &lines, &expires, &h.OrderID,
		&created, &createdBy); err != nil {
		return nil, "", err
	}
	if err := json.Unmarshal([]byte(lines), &h.Lines); err != nil {
		return nil, "", err
	}
	h.PickupWindow = bopis.PickupWindow{Start: sqldb.FromMicros(start), End: sqldb.FromMicros(end)}
	h.ExpiresAt, h.CreatedAt = sqldb.FromMicros(expires), sqldb.FromMicros(created)
	return &h, createdBy, nil
}

func localHold(h *bopis.Hold) *bopis.Hold {
	loc := bopis.Zone(h.TimeZone)
	h.PickupWindow.Start, h.PickupWindow.End = h.PickupWindow.Start.In(loc), h.PickupWindow.End.In(loc)
	return h
}

// GetHold returns a hold the key createdBy made ("" for any key).
func (db *Orders) GetHold(ctx context.Context, id, createdBy string) (*bopis.Hold, error) {
	h, by, err := scanHold(db.r.QueryRowContext(ctx, `SELECT `+holdColumns+` FROM holds WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && createdBy != "" && by != createdBy) {
		return nil, sqldb.NotFound("hold", id)
	}
	if err != nil {
		return nil, err
	}
	return localHold(h), nil
}

// lockHold reads a hold in tx, locking it on PostgreSQL.
func (db *Orders) lockHold(ctx context.Context, tx *sql.Tx, id, createdBy string) (*bopis.Hold, error) {
	h, by, err := scanHold(tx.QueryRowContext(ctx, `SELECT `+holdColumns+` FROM holds WHERE id = $1`+db.dialect.LockRows("holds"), id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && createdBy != "" && by != createdBy) {
		return nil, sqldb.NotFound("hold", id)
	}
	return h, err
}

// convertHold turns an active hold into order orderID's reservation and
// slot, inside the order's transaction. The order's pickup lines must be
// the hold's.
func (db *Orders) convertHold(ctx context.Context, tx *sql.Tx, id, orderID, by string, pickup []bopis.ReserveLine, now int64) (*bopis.Hold, error) {
	h, err := db.lockHold(ctx, tx, id, by)
	if err != nil {
		return nil, err
	}
	if h.Status == bopis.HoldActive && sqldb.Micros(h.ExpiresAt) <= now {
		// Its time ran out before the sweeper came by: expire it now.
		if err := db.endHold(ctx, tx, h, bopis.HoldExpired, now); err != nil {
			return nil, err
		}
	}
	if h.Status != bopis.HoldActive {
		return nil, &bopis.Error{Code: bopis.ECONFLICT, Message: "the hold is " + h.Status + "; place the order without hold_id",
			Fields: []bopis.FieldError{{Path: "hold_id", Message: "is " + h.Status}}}
	}
	held := make([]bopis.ReserveLine, len(h.Lines))
	for i, l := range h.Lines {
		held[i] = bopis.ReserveLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	if !sameLines(held, pickup) {
		return nil, &bopis.Error{Code: bopis.EINVALID, Message: "the order's pickup lines differ from the hold's",
			Fields: []bopis.FieldError{{Path: "lines", Message: "the pickup lines must be the SKUs and quantities of hold " + id}}}
	}
	// The hold's stock is reserved, but the order is new: a store or SKU
	// deactivated (or made ineligible) since the hold was taken refuses it
	// as it would an order without the hold. The rows are locked as the
	// reserving statement locks them (see reserveStatement).
	if err := db.stock.PickupRefusalTx(ctx, tx, h.StoreID, pickup, true); err != nil {
		var r *bopis.Refusal
		if errors.As(err, &r) && r.Store != "" {
			return nil, &bopis.Error{Code: bopis.ECONFLICT, Message: fmt.Sprintf("store %s of the hold takes no pickup orders now", h.StoreID),
				Fields: []bopis.FieldError{{Path: "hold_id", Message: "its store " + h.StoreID + " takes no pickup orders now; place the order without hold_id"}}}
		}
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE reservations SET reference = $1, updated_at = $3
		WHERE reference = $2 AND status = '`+bopis.ReservationOpen+`'`, orderID, id, now); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE holds SET status = $2, order_id = $3, updated_at = $4 WHERE id = $1`,
		id, bopis.HoldConverted, orderID, now); err != nil {
		return nil, err
	}
	h.Status, h.OrderID = bopis.HoldConverted, orderID
	return h, nil
}

// endHold releases an active hold's stock and slot and sets its status.
func (db *Orders) endHold(ctx context.Context, tx *sql.Tx, h *bopis.Hold, status string, now int64) error {
	if _, err := db.stock.ReleaseTx(ctx, tx, h.ID, "", stock.CauseRelease, now); err != nil {
		return err
	}
	if err := unbookSlot(ctx, tx, h.StoreID, h.PickupWindow.Start.Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE holds SET status = $2, updated_at = $3 WHERE id = $1`, h.ID, status, now)
	h.Status = status
	return err
}

// ReleaseHold lets an active hold go early (DELETE /v1/holds/{id});
// releasing a hold that already ended answers it as it is.
func (db *Orders) ReleaseHold(ctx context.Context, id, createdBy string) (*bopis.Hold, error) {
	_, now := db.sql.NowMicros()
	var h *bopis.Hold
	err := db.sql.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		if h, err = db.lockHold(ctx, tx, id, createdBy); err != nil || h.Status != bopis.HoldActive {
			return err
		}
		status := bopis.HoldReleased
		if sqldb.Micros(h.ExpiresAt) <= now {
			status = bopis.HoldExpired
		}
		return db.endHold(ctx, tx, h, status, now)
	})
	if err != nil {
		return nil, err
	}
	return localHold(h), nil
}

// expireBatch bounds the holds one sweep transaction expires.
const expireBatch = 500

// ExpireHolds releases the stock and slots of every active hold whose
// time has run out by the clock, and returns how many it expired. The
// background sweeper calls it; it runs once per hold however many
// processes sweep (the status change is conditional).
func (db *Orders) ExpireHolds(ctx context.Context) (int, error) {
	total := 0
	for {
		_, now := db.sql.NowMicros()
		n := 0
		err := db.sql.Transact(ctx, func(tx *sql.Tx) error {
			res, err := tx.QueryContext(ctx, `SELECT `+holdColumns+` FROM holds WHERE status = $1 AND expires_at <= $2
				ORDER BY expires_at LIMIT `+strconv.Itoa(expireBatch)+db.dialect.LockRows("holds"), bopis.HoldActive, now)
			if err != nil {
				return err
			}
			var due []*bopis.Hold
			for res.Next() {
				h, _, err := scanHold(res)
				if err != nil {
					res.Close()
					return err
				}
				due = append(due, h)
			}
			res.Close()
			if err := res.Err(); err != nil {
				return err
			}
			for _, h := range due {
				if err := db.endHold(ctx, tx, h, bopis.HoldExpired, now); err != nil {
					return err
				}
			}
			n = len(due)
			return nil
		})
		total += n
		if err != nil || n < expireBatch {
			return total, err
		}
	}
}
