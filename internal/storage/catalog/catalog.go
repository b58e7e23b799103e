// Package catalog keeps what the network offers: stores, SKUs, stores'
// overrides of SKUs' rules, and the API keys that reach them. Each write
// checks the domain's rules first (bopis's Validate methods).
package catalog

import (
	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// Catalog is the catalog's tables in db.
type Catalog struct {
	db *sqldb.DB
}

var _ bopis.CatalogService = (*Catalog)(nil)

// New is the catalog in db.
func New(db *sqldb.DB) *Catalog { return &Catalog{db: db} }
