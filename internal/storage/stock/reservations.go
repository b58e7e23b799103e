package stock

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// Reserve holds every line at a store for reference, all or nothing; see
// ReserveTx.
func (db *Stock) Reserve(ctx context.Context, storeID, reference string, lines []bopis.ReserveLine) (out []bopis.Reservation, err error) {
	_, us := db.sql.NowMicros()
	err = db.sql.Transact(ctx, func(tx *sql.Tx) error {
		out, err = db.ReserveTx(ctx, tx, storeID, reference, lines, false, us, nil)
		return err
	})
	return out, err
}

// Release lets go of every open reservation of reference; see release.
func (db *Stock) Release(ctx context.Context, reference string) (out []bopis.Reservation, err error) {
	_, us := db.sql.NowMicros()
	err = db.sql.Transact(ctx, func(tx *sql.Tx) error {
		out, err = db.release(ctx, tx, reference, CauseRelease, us)
		return err
	})
	return out, err
}

// Consume hands off reference's reservations; see ConsumeTx.
func (db *Stock) Consume(ctx context.Context, reference string, picked map[string]int64) (out []bopis.Reservation, err error) {
	_, us := db.sql.NowMicros()
	err = db.sql.Transact(ctx, func(tx *sql.Tx) error {
		out, err = db.ConsumeTx(ctx, tx, reference, "", picked, us)
		if err == nil && len(out) == 0 {
			return bopis.Errorf(bopis.ENOTFOUND, "nothing is reserved for %q", reference)
		}
		return err
	})
	return out, err
}

func validateReserve(storeID, reference string, lines []bopis.ReserveLine) error {
	var fields []bopis.FieldError
	add := func(path, msg string) { fields = append(fields, bopis.FieldError{Path: path, Message: msg}) }
	if !bopis.ValidID(storeID) {
		add("store_id", bopis.IDRule)
	}
	if reference == "" || len(reference) > bopis.MaxReasonLength {
		add("reference", fmt.Sprintf("must be 1 to %d characters", bopis.MaxReasonLength))
	}
	if len(lines) == 0 {
		add("lines", "at least one line")
	}
	for i, l := range lines {
		if !bopis.ValidID(l.SKU) {
			add(fmt.Sprintf("lines[%d].sku", i), bopis.IDRule)
		}
		if l.Quantity < 1 || l.Quantity > bopis.MaxStockQuantity {
			add(fmt.Sprintf("lines[%d].quantity", i), fmt.Sprintf("must be between 1 and %d", bopis.MaxStockQuantity))
		}
	}
	if len(fields) > 0 {
		return &bopis.Error{Code: bopis.EINVALID, Message: "reservation is invalid", Fields: fields}
	}
	return nil
}

// ReserveTx holds every line at storeID for reference inside tx, all or
// nothing: exported for orders and holds, which reserve in their own
// transaction.
// forPickup applies the rules of pickup in the same statement: the
// store must take pickup orders and each SKU be eligible there, else a
// *Refusal says why (see PickupRefusalTx); a warehouse reserving ship
// lines, a substitute picked at the store or a bare Reserve do without.
//
// One conditional UPDATE (reserveStatement) adds each SKU's quantity to
// reserved only where on_hand - reserved - safety_stock (less the
// stale-feed buffer when the store's POS is silent) still covers it,
// checked in the same statement: under any concurrency the sum reserved
// never exceeds what may be promised. If a SKU is short, the SKUs
// reserved are taken back (the rows stay locked by this transaction, so
// that is exact and leaves the caller's transaction usable, e.g. to try
// another store) and a *Shortfall names every short line. Undoing by hand
// rather than with a savepoint keeps the usual case, when everything is
// there, free of two statements.
//
// With later, the reservation rows and their ledger rows are added to it
// for the caller to run with its own writes, and the reservations
// returned carry no id; without, they are written here.
func (db *Stock) ReserveTx(ctx context.Context, tx *sql.Tx, storeID, reference string, lines []bopis.ReserveLine, forPickup bool,
	now int64, later *sqldb.Batch) ([]bopis.Reservation, error) {
	if err := validateReserve(storeID, reference, lines); err != nil {
		return nil, err
	}
	// Lines of one SKU reserve together: the level must cover their sum.
	want := map[string]int64{}
	var skus []string
	for _, l := range lines {
		if _, ok := want[l.SKU]; !ok {
			skus = append(skus, l.SKU)
		}
		want[l.SKU] += l.Quantity
	}
	sort.Strings(skus)
	args := []any{db.safetyStock, storeID, now, db.staleBefore(), db.staleBuffer}
	for _, sku := range skus {
		args = append(args, sku, want[sku])
	}
	res, err := db.sql.QueryTx(ctx, tx, db.reserveStatement(len(skus), forPickup), args...)
	if err != nil {
		return nil, err
	}
	levels := make(map[levelKey]*level, len(skus))
	arena := make(levelArena, len(skus))
	if err := scanLevels(res, levels, now, &arena); err != nil {
		return nil, err
	}
	if len(levels) < len(skus) {
		if len(levels) > 0 {
			// Undo the SKUs reserved: the rows stay locked, so this is exact.
			for _, sku := range skus {
				if levels[levelKey{storeID, sku}] == nil {
					continue
				}
				if _, err := db.sql.ExecTx(ctx, tx, `UPDATE inventory_levels SET reserved = reserved - $3
					WHERE store_id = $1 AND sku = $2`, storeID, sku, want[sku]); err != nil {
					return nil, err
				}
			}
		}
		if forPickup {
			// Short, or refused by the rules of pickup: which comes first.
			if err := db.PickupRefusalTx(ctx, tx, storeID, lines, false); err != nil {
				return nil, err
			}
		}
		buffer, err := db.storeBuffer(ctx, tx, storeID)
		if err != nil {
			return nil, err
		}
		failed := 0
		for i, l := range lines {
			if levels[levelKey{storeID, l.SKU}] == nil {
				failed = i
				break
			}
		}
		return nil, db.shortfall(ctx, tx, storeID, lines, failed, buffer)
	}

	ins := sqldb.Rows{Cols: 7}
	for _, l := range lines {
		ins.Add(storeID, l.SKU, l.Quantity, bopis.ReservationOpen, reference, now, now)
	}
	const insert = `INSERT INTO reservations (store_id, sku, quantity, status, reference, created_at, updated_at)`
	ids := make([]int64, 0, len(lines))
	if later != nil {
		db.sql.AddRows(later, insert, &ins, "")
	} else if err := db.sql.InsertRows(ctx, tx, insert, &ins, `RETURNING id`, func(r *sql.Rows) error {
		// One statement for every line; ids come in the order rows were
		// inserted, so the smallest is the first line's.
		var id int64
		err := r.Scan(&id)
		ids = append(ids, id)
		return err
	}); err != nil {
		return nil, err
	}
	slices.Sort(ids)
	s := db.stockTx(tx, now)
	s.later = later
	out := make([]bopis.Reservation, len(lines))
	for i, l := range lines {
		out[i] = bopis.Reservation{StoreID: storeID, SKU: l.SKU, Quantity: l.Quantity, Status: bopis.ReservationOpen,
			Reference: reference, CreatedAt: sqldb.FromMicros(now), UpdatedAt: sqldb.FromMicros(now)}
		if i < len(ids) {
			out[i].ID = ids[i]
		}
		s.change(storeID, l.SKU, CauseReservation, reference, "", 0, l.Quantity)
	}
	s.track(levels) // as reserved, for alerts
	return out, s.flush(ctx)
}

// reserveStatement is the one statement that reserves n distinct SKUs
// at a store (see ReserveTx): it adds each SKU's quantity to reserved only
// where on_hand - reserved - safety stock - the stale-feed buffer still
// covers it, and returns the levels as reserved (the columns of
// levelColumns); a SKU missing from its answer is short. Parameters: $1
// the default safety stock, $2 the store, $3 now, $4 the stale-feed
// cutoff, $5 the buffer, then each SKU and its quantity. The text
// depends only on n and forPickup, so each cart size is prepared once.
//
// forPickup adds the rules of pickup to the condition (pickupEligible:
// the store active and a store, each SKU active and eligible there), so
// an ineligible SKU reads as short, and ReserveTx asks PickupRefusalTx why
// only then: an order that reserves pays no statement for the rules.
// On PostgreSQL the statement also locks the store's row and each SKU's
// shared, and READ COMMITTED gives a locking read the newest version of
// a row it had to wait for and checks the condition again on it: a
// deactivation of the store or a SKU either committed first, and the
// reservation sees it and takes nothing, or waits for the order's
// transaction to end. No order or hold is taken once a deactivation is
// acknowledged, in any process. (The lock on the store's row costs the
// orders of one store nothing against each other: shared locks do not
// conflict.)
//
// It returns no open alert (0): a reservation only lowers what is
// available, so it can only open a low-stock alert, and opening one that
// is open already does nothing (settleLowStock's ON CONFLICT DO NOTHING).
// Looking it up cost an index probe per line of every order.
func (db *Stock) reserveStatement(n int, forPickup bool) string {
	var qty, in strings.Builder
	for i := range n {
		sku, q := 6+2*i, 7+2*i
		fmt.Fprintf(&qty, " WHEN $%d THEN CAST($%d AS BIGINT)", sku, q)
		if i > 0 {
			in.WriteString(", ")
		}
		fmt.Fprintf(&in, "$%d", sku)
	}
	return db.dialect.reserveStatement(db.dialect.Dialect, reserveParts{qty: qty.String(), in: in.String(), forPickup: forPickup})
}

// reserveParts are what each dialect's reserving statement is made of
// (stockDialect.reserveStatement): for each SKU its quantity as a CASE's
// WHEN (qty) and its parameter (in, a list), and whether the rules of
// pickup apply.
type reserveParts struct {
	qty, in   string
	forPickup bool
}

// reserveBuffer is the stale-feed buffer of store $2 in the reserving
// statement: $5 if its feed was last heard from before $4, else 0.
const reserveBuffer = `CASE WHEN (SELECT f.last_event_at FROM store_feeds f WHERE f.store_id = $2) < $4 THEN $5 ELSE 0 END`

// reservedLevel is what the reserving statement returns first of each
// level it reserved: store, SKU and the level's own columns.
func reservedLevel() string {
	return levelState("inventory_levels", "inventory_levels.store_id", "inventory_levels.sku")
}

// skuThreshold is the low-stock threshold of store $2's sku, read by
// itself: the override, else the SKU's.
func skuThreshold(sku string) string {
	return lowStockThreshold("$2", sku, `(SELECT k.low_stock_threshold FROM skus k WHERE k.sku = `+sku+`)`)
}

// storeBuffer is how many units must remain at the store beyond what is
// reserved: the stale-feed buffer when its POS is silent, else 0. An
// unknown store is not found.
func (db *Stock) storeBuffer(ctx context.Context, tx *sql.Tx, storeID string) (int64, error) {
	var last sql.NullInt64
	err := db.sql.QueryRowTx(ctx, tx, `SELECT f.last_event_at FROM stores s LEFT JOIN store_feeds f ON f.store_id = s.id
		WHERE s.id = $1`, storeID).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, sqldb.NotFound("store", storeID)
	}
	if err != nil {
		return 0, err
	}
	if db.feedStatus(sqldb.NullInt(last)).Stale {
		return db.staleBuffer, nil
	}
	return 0, nil
}

// shortfall names every line the store cannot cover (several lines of
// one SKU are counted together), as the store stands now.
func (db *Stock) shortfall(ctx context.Context, tx *sql.Tx, storeID string, lines []bopis.ReserveLine, failed int, buffer int64) error {
	skus := make([]string, len(lines))
	for i, l := range lines {
		skus[i] = l.SKU
	}
	res, err := tx.QueryContext(ctx, `SELECT l.sku, l.on_hand, l.reserved, COALESCE(o.safety_stock, $3)
		FROM inventory_levels l LEFT JOIN store_skus o ON o.store_id = l.store_id AND o.sku = l.sku
		WHERE l.store_id = $1 AND l.sku `+db.dialect.InList("$2"),
		storeID, sqldb.JSONList(skus), db.safetyStock)
	if err != nil {
		return err
	}
	promisable := map[string]int64{}
	for res.Next() {
		var sku string
		var onHand, reserved, safety int64
		if err := res.Scan(&sku, &onHand, &reserved, &safety); err != nil {
			res.Close()
			return err
		}
		promisable[sku] = bopis.Promisable(bopis.Available(onHand, reserved, safety), buffer > 0, buffer)
	}
	res.Close()
	if err := res.Err(); err != nil {
		return err
	}
	short := &bopis.Shortfall{StoreID: storeID}
	asked := map[string]int64{}
	for i, l := range lines {
		asked[l.SKU] += l.Quantity
		if asked[l.SKU] > promisable[l.SKU] {
			short.Lines = append(short.Lines, bopis.ShortLine{Line: i, SKU: l.SKU, Requested: l.Quantity, Available: promisable[l.SKU]})
		}
	}
	if len(short.Lines) == 0 { // stock came back between the update and this read
		l := lines[failed]
		short.Lines = []bopis.ShortLine{{Line: failed, SKU: l.SKU, Requested: l.Quantity, Available: promisable[l.SKU]}}
	}
	return short
}

// openReservations reads (and on PostgreSQL locks, so that two releases
// cannot both let go of the same units) reference's open reservations.
func (db *Stock) openReservations(ctx context.Context, tx *sql.Tx, reference, storeID, sku string) ([]bopis.Reservation, error) {
	res, err := tx.QueryContext(ctx, `SELECT `+reservationColumns+` FROM reservations
		WHERE reference = $1 AND status = '`+bopis.ReservationOpen+`' AND ($2 = '' OR store_id = $2) AND ($3 = '' OR sku = $3)
		ORDER BY store_id, sku, id`+db.dialect.LockRows("reservations"), reference, storeID, sku)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	return scanReservations(res)
}

const reservationColumns = `id, store_id, sku, quantity, status, reference, created_at, updated_at`

func scanReservations(res *sql.Rows) ([]bopis.Reservation, error) {
	out := []bopis.Reservation{}
	for res.Next() {
		var r bopis.Reservation
		var created, updated int64
		if err := res.Scan(&r.ID, &r.StoreID, &r.SKU, &r.Quantity, &r.Status, &r.Reference, &created, &updated); err != nil {
			return nil, err
		}
		r.CreatedAt, r.UpdatedAt = sqldb.FromMicros(created), sqldb.FromMicros(updated)
		out = append(out, r)
	}
	return out, res.Err()
}

// eachLevel runs fn on each of rs (sorted by store and SKU) with its
// level, loaded and locked.
func (db *Stock) eachLevel(ctx context.Context, s *stockTx, rs []bopis.Reservation, fn func(r *bopis.Reservation, l *level)) error {
	keys := make([]levelKey, len(rs))
	for i, r := range rs {
		keys[i] = levelKey{r.StoreID, r.SKU}
	}
	levels, err := db.loadLevels(ctx, s.tx, keys, s.now)
	if err != nil {
		return err
	}
	s.track(levels)
	for i := range rs {
		l := levels[keys[i]]
		if l == nil {
			return fmt.Errorf("reservation %d holds %s at %s, which has no level", rs[i].ID, rs[i].SKU, rs[i].StoreID)
		}
		fn(&rs[i], l)
	}
	return nil
}

// setStatus moves reservations to status.
func setStatus(ctx context.Context, tx *sql.Tx, rs []bopis.Reservation, status string, now int64) error {
	ids := make([]string, len(rs))
	for i := range rs {
		ids[i] = strconv.FormatInt(rs[i].ID, 10)
		rs[i].Status, rs[i].UpdatedAt = status, sqldb.FromMicros(now)
	}
	_, err := tx.ExecContext(ctx, `UPDATE reservations SET status = $1, updated_at = $2
		WHERE id IN (`+strings.Join(ids, ",")+`)`, status, now)
	return err
}

// release lets go of every open reservation of reference inside tx: each
// store's reserved drops by what was held, with a ledger row of cause
// (release, no_show). Releasing a reference with nothing open does nothing.
func (db *Stock) release(ctx context.Context, tx *sql.Tx, reference, cause string, now int64) ([]bopis.Reservation, error) {
	return db.ReleaseTx(ctx, tx, reference, "", cause, now)
}

// ReleaseTx is release of reference's reservations at one store ("" for
// all): exported for orders, which release in their own transaction.
func (db *Stock) ReleaseTx(ctx context.Context, tx *sql.Tx, reference, storeID, cause string, now int64) ([]bopis.Reservation, error) {
	rs, err := db.openReservations(ctx, tx, reference, storeID, "")
	if err != nil || len(rs) == 0 {
		return rs, err
	}
	s := db.stockTx(tx, now)
	err = db.eachLevel(ctx, s, rs, func(r *bopis.Reservation, l *level) {
		s.set(l, l.onHand, l.reserved-r.Quantity, cause, reference, "")
	})
	if err != nil {
		return nil, err
	}
	if err := setStatus(ctx, tx, rs, bopis.ReservationReleased, now); err != nil {
		return nil, err
	}
	return rs, s.flush(ctx)
}

// ConsumeTx hands off reference's open reservations (at storeID; "" for
// every store) inside tx: what was picked (per SKU, at most what is held)
// leaves on_hand and reserved with a handoff ledger row, and whatever was
// held but not picked is released. On error the caller must roll back.
// Exported for the handoff, which consumes in the order's transaction.
func (db *Stock) ConsumeTx(ctx context.Context, tx *sql.Tx, reference, storeID string, picked map[string]int64, now int64) ([]bopis.Reservation, error) {
	rs, err := db.openReservations(ctx, tx, reference, storeID, "")
	if err != nil || len(rs) == 0 {
		return rs, err
	}
	held := map[string]int64{}
	for _, r := range rs {
		held[r.SKU] += r.Quantity
	}
	var fields []bopis.FieldError
	for sku, n := range picked {
		if n < 0 || n > held[sku] {
			fields = append(fields, bopis.FieldError{Path: "picked." + sku,
				Message: fmt.Sprintf("%d picked, %d reserved for %s", n, held[sku], reference)})
		}
	}
	if len(fields) > 0 {
		sort.Slice(fields, func(i, j int) bool { return fields[i].Path < fields[j].Path })
		return nil, &bopis.Error{Code: bopis.EINVALID, Message: "cannot hand off more than is reserved", Fields: fields}
	}
	left := map[string]int64{}
	for sku, n := range picked {
		left[sku] = n
	}
	s := db.stockTx(tx, now)
	err = db.eachLevel(ctx, s, rs, func(r *bopis.Reservation, l *level) {
		p := min(left[r.SKU], r.Quantity)
		left[r.SKU] -= p
		if p > 0 {
			s.move(l, max(0, l.onHand-p), l.reserved-p, move{cause: CauseHandoff, ref: reference, quantity: -p, occurredAt: now,
				status: EventApplied})
		}
		if rest := r.Quantity - p; rest > 0 {
			s.set(l, l.onHand, l.reserved-rest, CauseRelease, reference, "")
		}
	})
	if err != nil {
		return nil, err
	}
	if err := setStatus(ctx, tx, rs, bopis.ReservationConsumed, now); err != nil {
		return nil, err
	}
	return rs, s.flush(ctx)
}

// UnreserveTx lets go of n units of sku held at storeID for reference
// (newest reservations first, each shrunk or released), with a ledger row
// of cause. With lost, on_hand drops by n too: the units were never there
// (a short pick), recorded as a move so a POS snapshot taken earlier and
// arriving later does not bring them back. Exported for picks and
// substitutes' answers, in the order's transaction.
func (db *Stock) UnreserveTx(ctx context.Context, tx *sql.Tx, reference, storeID, sku string, n int64, cause string, lost bool, now int64) error {
	rs, err := db.openReservations(ctx, tx, reference, storeID, sku)
	if err != nil {
		return err
	}
	var held int64
	for _, r := range rs {
		held += r.Quantity
	}
	if held < n {
		return fmt.Errorf("unreserving %d of %s at %s for %s, which holds %d", n, sku, storeID, reference, held)
	}
	left := n
	for i := len(rs) - 1; i >= 0 && left > 0; i-- {
		take := min(left, rs[i].Quantity)
		left -= take
		status := bopis.ReservationOpen
		if take == rs[i].Quantity {
			status = bopis.ReservationReleased
		}
		if _, err := db.sql.ExecTx(ctx, tx, `UPDATE reservations SET quantity = quantity - $2, status = $3, updated_at = $4 WHERE id = $1`,
			rs[i].ID, take, status, now); err != nil {
			return err
		}
	}
	s := db.stockTx(tx, now)
	key := []levelKey{{storeID, sku}}
	levels, err := db.loadLevels(ctx, tx, key, now)
	if err != nil {
		return err
	}
	s.track(levels)
	l := levels[key[0]]
	if l == nil {
		return fmt.Errorf("%s is reserved at %s, which has no level", sku, storeID)
	}
	if lost {
		s.move(l, max(0, l.onHand-n), l.reserved-n, move{cause: cause, ref: reference, quantity: -n, occurredAt: now, status: EventApplied})
	} else {
		s.set(l, l.onHand, l.reserved-n, cause, reference, "")
	}
	return s.flush(ctx)
}

// Reservations lists reservations, by store and reference when given
// ("" for any) and status ("" for any), in the order they were made.
func (db *Stock) Reservations(ctx context.Context, storeID, reference, status string) ([]bopis.Reservation, error) {
	res, err := db.r.QueryContext(ctx, `SELECT `+reservationColumns+` FROM reservations
		WHERE ($1 = '' OR store_id = $1) AND ($2 = '' OR reference = $2) AND ($3 = '' OR status = $3) ORDER BY id`,
		storeID, reference, status)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	return scanReservations(res)
}
