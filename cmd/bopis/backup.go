package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bopis/bopis/internal/storage"
)

// backup copies a live SQLite database into a new file with SQLite's
// VACUUM INTO: one read transaction, so the copy is the database as of
// one commit, taken while bopis serves (readers never block the writer in
// WAL mode). The copy is checked with PRAGMA integrity_check before it is
// reported. PostgreSQL has its own tools (pg_dump, base backups and WAL
// archiving); see docs/operations.md.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("backup", flag.ContinueOnError)
	fset.SetOutput(stderr)
	dbURL := dbFlag(fset, "sqlite:./bopis.db")
	to := fset.String("to", "", "the backup file to create; it must not exist")
	if err := fset.Parse(args); err != nil {
		return err
	}
	path, err := sqliteFilePath(*dbURL)
	if err != nil {
		return err
	}
	if *to == "" {
		return errors.New("--to names the backup file to create")
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("the database to back up: %w", err)
	}
	if _, err := os.Stat(*to); err == nil {
		return fmt.Errorf("%s exists: a backup never overwrites a file", *to)
	}
	db, err := storage.OpenSQL(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", *to); err != nil {
		os.Remove(*to)
		return fmt.Errorf("backing up: %w", err)
	}
	if err := checkIntegrity(ctx, *to); err != nil {
		return err
	}
	info, err := os.Stat(*to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes, integrity ok)\n", path, *to, info.Size())
	return nil
}

// restore puts a backup in place of a database that no process has open:
// the backup is checked, copied beside the target, synced and renamed over
// it, and the target's old WAL and shared-memory files are removed (left
// there, SQLite would read the old WAL into the restored file). The next
// `bopis serve` applies any newer migrations.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("restore", flag.ContinueOnError)
	fset.SetOutput(stderr)
	from := fset.String("from", "", "the backup file (made by bopis backup)")
	dbURL := dbFlag(fset, "sqlite:./bopis.db")
	force := fset.Bool("force", false, "replace an existing database (stop every bopis process using it first)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	path, err := sqliteFilePath(*dbURL)
	if err != nil {
		return err
	}
	if *from == "" {
		return errors.New("--from names the backup file to restore")
	}
	if err := checkIntegrity(ctx, *from); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil && !*force {
		return fmt.Errorf("%s exists: stop bopis and pass --force to replace it", path)
	}
	tmp := path + ".restoring"
	if err := copyFile(*from, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", path, *from)
	return nil
}

func sqliteFilePath(url string) (string, error) {
	if !strings.HasPrefix(url, "sqlite:") {
		return "", errors.New("backup and restore are for SQLite (--db sqlite:PATH); on PostgreSQL use pg_dump or base backups with WAL archiving (docs/operations.md)")
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(url, "sqlite:"), "?")
	if path == "" {
		return "", errors.New("--db sqlite:PATH names no file")
	}
	return path, nil
}

// checkIntegrity runs SQLite's own check of a database file.
func checkIntegrity(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := storage.OpenSQL(ctx, "sqlite:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("%s fails SQLite's integrity check: %s", path, res)
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
