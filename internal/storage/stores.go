package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/bopis/bopis"
)

// PutStore creates or replaces a store (an upsert by id) after checking
// every rule; it fills in the stored timestamps. created reports whether
// the store is new.
func (db *DB) PutStore(ctx context.Context, s *bopis.Store) (created bool, err error) {
	if err := s.Validate(); err != nil {
		return false, err
	}
	now, us := db.nowMicros()
	doc, err := json.Marshal(s)
	if err != nil {
		return false, err
	}
	var createdUS int64
	err = db.w.QueryRowContext(ctx, `
		INSERT INTO stores (id, name, type, location_id, latitude, longitude, time_zone, active, doc, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type,
			location_id = excluded.location_id, latitude = excluded.latitude, longitude = excluded.longitude,
			time_zone = excluded.time_zone, active = excluded.active, doc = excluded.doc, updated_at = excluded.updated_at
		RETURNING created_at`,
		s.ID, s.Name, s.Type, s.LocationID, s.Coordinates.Latitude, s.Coordinates.Longitude,
		s.TimeZone, s.Active, string(doc), us).Scan(&createdUS)
	if d, ok := db.dialect.uniqueViolation(err); ok && strings.Contains(d, "location_id") {
		return false, &bopis.Error{Code: bopis.ECONFLICT, Message: "another store has this location_id",
			Fields: []bopis.FieldError{{Path: "location_id", Message: "is already used by another store"}}}
	}
	if err != nil {
		return false, err
	}
	s.CreatedAt, s.UpdatedAt = fromMicros(createdUS), now
	return createdUS == us, nil
}

const storeColumns = `doc, active, created_at, updated_at`

func scanStore(row scanner) (*bopis.Store, error) {
	var (
		doc              string
		active           bool
		created, updated int64
		s                bopis.Store
	)
	if err := row.Scan(&doc, &active, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &s); err != nil {
		return nil, err
	}
	// active and the times live in columns; the document may hold older copies.
	s.Active, s.CreatedAt, s.UpdatedAt = active, fromMicros(created), fromMicros(updated)
	return &s, nil
}

// GetStore returns the store with id, active or not.
func (db *DB) GetStore(ctx context.Context, id string) (*bopis.Store, error) {
	s, err := scanStore(db.r.QueryRowContext(ctx, `SELECT `+storeColumns+` FROM stores WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("store", id)
	}
	return s, err
}

// StoreFilter narrows ListStores.
type StoreFilter struct {
	IDs        []string // only these stores (a scoped key's); nil for all
	ActiveOnly bool
}

// ListStores returns one page of stores ordered by id, and the cursor of the next page.
func (db *DB) ListStores(ctx context.Context, f StoreFilter, p Page) ([]bopis.Store, string, error) {
	q := `SELECT ` + storeColumns + ` FROM stores WHERE id > $1`
	var args []any
	if f.ActiveOnly {
		q += ` AND active`
	}
	if f.IDs != nil {
		// A scoped key lists a handful of stores: one JSON parameter keeps the SQL fixed.
		ids, _ := json.Marshal(f.IDs)
		q += ` AND id ` + db.dialect.inList("$2")
		args = append(args, string(ids))
	}
	return listPage(ctx, db.r, p, q+` ORDER BY id`, args, scanStore, func(s *bopis.Store) string { return s.ID })
}

// DeactivateStore marks a store inactive: it is offered for nothing new,
// and its open orders stay as they are.
func (db *DB) DeactivateStore(ctx context.Context, id string) (*bopis.Store, error) {
	_, us := db.nowMicros()
	// Already inactive is fine (DELETE is idempotent); unknown is 404 below.
	if _, err := db.w.ExecContext(ctx, `UPDATE stores SET active = false, updated_at = $2 WHERE id = $1 AND active`, id, us); err != nil {
		return nil, err
	}
	return db.getStoreFromWriter(ctx, id)
}

// getStoreFromWriter reads through the writer so a caller sees its own write
// even before the read pool's snapshot moves on.
func (db *DB) getStoreFromWriter(ctx context.Context, id string) (*bopis.Store, error) {
	s, err := scanStore(db.w.QueryRowContext(ctx, `SELECT `+storeColumns+` FROM stores WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("store", id)
	}
	return s, err
}
