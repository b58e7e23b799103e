// Package migrations holds bopis's schema: goose migrations, one folder
// per database ("sqlite", "postgres", as sqldb.Dialect names them),
// embedded so the binary carries them.
package migrations

import "embed"

// FS holds the folders sqlite and postgres.
//
//go:embed sqlite postgres
var FS embed.FS
