package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// CreateAPIKey stores a new key and returns its secret token, the only
// time the token exists outside its owner. The stores a scoped key lists
// must exist.
func (c *Catalog) CreateAPIKey(ctx context.Context, k *bopis.APIKey) (token string, err error) {
	if err := k.Validate(); err != nil {
		return "", err
	}
	id, token := bopis.NewAPIKeySecret()
	k.ID, k.Hash = id, bopis.HashToken(token)
	return token, c.db.Transact(ctx, func(tx *sql.Tx) error {
		for i, s := range k.StoreIDs {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM stores WHERE id = $1`, s).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return &bopis.Error{Code: bopis.EINVALID, Message: "API key is invalid",
					Fields: []bopis.FieldError{{Path: fmt.Sprintf("store_ids[%d]", i), Message: fmt.Sprintf("no store %q", s)}}}
			}
			if err != nil {
				return err
			}
		}
		return c.insertKey(ctx, tx, k)
	})
}

func (c *Catalog) insertKey(ctx context.Context, tx *sql.Tx, k *bopis.APIKey) error {
	now, us := c.db.NowMicros()
	stores, _ := json.Marshal(nonNil(k.StoreIDs))
	origins, _ := json.Marshal(nonNil(k.Origins))
	_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, name, role, store_ids, origins, hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.ID, k.Name, k.Role, string(stores), string(origins), k.Hash, us)
	if _, dup := c.db.Dialect().UniqueViolation(err); dup {
		return bopis.Errorf(bopis.ECONFLICT, "that secret is already in use")
	}
	k.CreatedAt = now
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// BootstrapAdminKey stores token as an admin key if the database has no
// key at all, so a fresh install can be reached (BOPIS_ADMIN_KEY). It
// reports whether it stored the key.
func (c *Catalog) BootstrapAdminKey(ctx context.Context, token string) (bool, error) {
	if len(token) < bopis.MinTokenLength {
		return false, fmt.Errorf("the admin key must be at least %d characters", bopis.MinTokenLength)
	}
	stored := false
	err := c.db.Transact(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_keys`).Scan(&n); err != nil || n > 0 {
			return err
		}
		id, _ := bopis.NewAPIKeySecret()
		stored = true
		return c.insertKey(ctx, tx, &bopis.APIKey{ID: id, Name: "bootstrap admin", Role: bopis.RoleAdmin, Hash: bopis.HashToken(token)})
	})
	return stored, err
}

const keyColumns = `id, name, role, store_ids, origins, hash, created_at, revoked_at`

func scanKey(row sqldb.Scanner) (*bopis.APIKey, error) {
	var (
		k               bopis.APIKey
		stores, origins string
		created         int64
		revoked         sql.NullInt64
	)
	if err := row.Scan(&k.ID, &k.Name, &k.Role, &stores, &origins, &k.Hash, &created, &revoked); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(stores), &k.StoreIDs); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(origins), &k.Origins); err != nil {
		return nil, err
	}
	k.CreatedAt = sqldb.FromMicros(created)
	if revoked.Valid {
		t := sqldb.FromMicros(revoked.Int64)
		k.RevokedAt = &t
	}
	return &k, nil
}

// Authenticate returns the live key whose secret is token, or EUNAUTHORIZED.
func (c *Catalog) Authenticate(ctx context.Context, token string) (*bopis.APIKey, error) {
	k, err := scanKey(c.db.Readers().QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE hash = $1`, bopis.HashToken(token)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, bopis.Errorf(bopis.EUNAUTHORIZED, "unknown API key")
	case err != nil:
		return nil, err
	case k.RevokedAt != nil:
		return nil, bopis.Errorf(bopis.EUNAUTHORIZED, "this API key was revoked")
	}
	return k, nil
}

// ListAPIKeys returns one page of keys (never their secrets) ordered by id.
func (c *Catalog) ListAPIKeys(ctx context.Context, p bopis.Page) ([]bopis.APIKey, string, error) {
	return sqldb.List(ctx, c.db.Readers(), p, `SELECT `+keyColumns+` FROM api_keys WHERE id > $1 ORDER BY id`, nil,
		scanKey, func(k *bopis.APIKey) string { return k.ID })
}

// RevokeAPIKey stops a key from working; revoking twice is harmless.
func (c *Catalog) RevokeAPIKey(ctx context.Context, id string) (*bopis.APIKey, error) {
	_, us := c.db.NowMicros()
	if _, err := c.db.Writer().ExecContext(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, us); err != nil {
		return nil, err
	}
	k, err := scanKey(c.db.Writer().QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.NotFound("API key", id)
	}
	return k, err
}
