package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// PutStore creates or replaces a store (an upsert by id) after checking
// every rule; it fills in the stored timestamps. created reports whether
// the store is new.
func (c *Catalog) PutStore(ctx context.Context, s *bopis.Store) (created bool, err error) {
	if err := s.Validate(); err != nil {
		return false, err
	}
	now, us := c.db.NowMicros()
	doc, err := json.Marshal(s)
	if err != nil {
		return false, err
	}
	var createdUS int64
	err = c.db.Writer().QueryRowContext(ctx, `
		INSERT INTO stores (id, name, type, location_id, latitude, longitude, time_zone, active, doc, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type,
			location_id = excluded.location_id, latitude = excluded.latitude, longitude = excluded.longitude,
			time_zone = excluded.time_zone, active = excluded.active, doc = excluded.doc, updated_at = excluded.updated_at
		RETURNING created_at`,
		s.ID, s.Name, s.Type, s.LocationID, s.Coordinates.Latitude, s.Coordinates.Longitude,
		s.TimeZone, s.Active, string(doc), us).Scan(&createdUS)
	if d, ok := c.db.Dialect().UniqueViolation(err); ok && strings.Contains(d, "location_id") {
		return false, &bopis.Error{Code: bopis.ECONFLICT, Message: "another store has this location_id",
			Fields: []bopis.FieldError{{Path: "location_id", Message: "is already used by another store"}}}
	}
	if err != nil {
		return false, err
	}
	s.CreatedAt, s.UpdatedAt = sqldb.FromMicros(createdUS), now
	return createdUS == us, nil
}

const StoreColumns = `doc, active, created_at, updated_at`

func ScanStore(row sqldb.Scanner) (*bopis.Store, error) {
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
	s.Active, s.CreatedAt, s.UpdatedAt = active, sqldb.FromMicros(created), sqldb.FromMicros(updated)
	return &s, nil
}

// GetStore returns the store with id, active or not.
func (c *Catalog) GetStore(ctx context.Context, id string) (*bopis.Store, error) {
	s, err := ScanStore(c.db.Readers().QueryRowContext(ctx, `SELECT `+StoreColumns+` FROM stores WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.NotFound("store", id)
	}
	return s, err
}

// ListStores returns one page of stores ordered by id, and the cursor of the next page.
func (c *Catalog) ListStores(ctx context.Context, f bopis.StoreFilter, p bopis.Page) ([]bopis.Store, string, error) {
	q := `SELECT ` + StoreColumns + ` FROM stores WHERE id > $1`
	var args []any
	if f.ActiveOnly {
		q += ` AND active`
	}
	if f.IDs != nil {
		// A scoped key lists a handful of stores: one JSON parameter keeps the SQL fixed.
		ids, _ := json.Marshal(f.IDs)
		q += ` AND id ` + c.db.Dialect().InList("$2")
		args = append(args, string(ids))
	}
	return sqldb.List(ctx, c.db.Readers(), p, q+` ORDER BY id`, args, ScanStore, func(s *bopis.Store) string { return s.ID })
}

// DeactivateStore marks a store inactive: it is offered for nothing new,
// and its open orders stay as they are.
func (c *Catalog) DeactivateStore(ctx context.Context, id string) (*bopis.Store, error) {
	_, us := c.db.NowMicros()
	// Already inactive is fine (DELETE is idempotent); unknown is 404 below.
	if _, err := c.db.Writer().ExecContext(ctx, `UPDATE stores SET active = false, updated_at = $2 WHERE id = $1 AND active`, id, us); err != nil {
		return nil, err
	}
	return c.getStoreFromWriter(ctx, id)
}

// getStoreFromWriter reads through the writer so a caller sees its own write
// even before the read pool's snapshot moves on.
func (c *Catalog) getStoreFromWriter(ctx context.Context, id string) (*bopis.Store, error) {
	s, err := ScanStore(c.db.Writer().QueryRowContext(ctx, `SELECT `+StoreColumns+` FROM stores WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.NotFound("store", id)
	}
	return s, err
}
