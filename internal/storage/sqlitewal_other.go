//go:build !(linux && (amd64 || arm64))

package storage

// walVFS is only built for linux on amd64 and arm64 (sqlitewal.go): the
// C types it reaches into are modernc's for those. Elsewhere the writer
// writes its WAL as SQLite does.
const walVFS = ""

func registerWalVFS() bool { return false }
