package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/bopis/bopis"
)

// stringList is a flag that may be repeated or given comma-separated.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func keys(ctx context.Context, args []string, logger *slog.Logger, stdout, stderr io.Writer) error {
	const use = "usage: bopis keys create --role R [--store ID]... [--origin URL]... [--name NAME]  (bopis keys create -h lists the flags)"
	if len(args) > 0 && askedForHelp(args[:1]) {
		fmt.Fprintln(stdout, use)
		return nil
	}
	if len(args) == 0 || args[0] != "create" {
		return errors.New(use)
	}
	fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "", "admin, storefront, store, pos or public")
	name := fs.String("name", "", "a label for the key")
	var stores, origins stringList
	fs.Var(&stores, "store", "a store the key reaches (store and pos keys; repeat for more)")
	fs.Var(&origins, "origin", "a web origin allowed by CORS (public keys; repeat for more)")
	dbURL := dbFlag(fs, "sqlite:./bopis.db")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	k := &bopis.APIKey{Role: bopis.Role(*role), StoreIDs: stores, Origins: origins, Name: *name}
	token, err := db.CreateAPIKey(ctx, k)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s key %s; its secret, shown only now:\n%s\n", k.Role, k.ID, token)
	return nil
}
