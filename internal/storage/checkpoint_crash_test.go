package storage_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// checkpointChildEnv names the database file a child process of
// TestKillDuringCheckpoint writes to.
const checkpointChildEnv = "BOPIS_TEST_CHECKPOINT_CHILD"

// TestKillDuringCheckpoint kills a process (SIGKILL) while it copies its
// WAL into the database file, again and again, and checks after each
// kill that the file is sound (PRAGMA integrity_check), that every POS
// batch the process was told had committed is there, and that the
// ledger replays to the levels. The child writes POS batches through
// storage.DB and, from a connection of its own, runs
// wal_checkpoint(TRUNCATE) over the WAL they grow; the kill comes a few
// milliseconds after it says a checkpoint began.
func TestKillDuringCheckpoint(t *testing.T) {
	if path := os.Getenv(checkpointChildEnv); path != "" {
		checkpointChild(path)
		return
	}
	if testing.Short() {
		t.Skip("kills a child process a few times; skipped with -short")
	}
	path := filepath.Join(t.TempDir(), "bopis.db")
	acked := 0
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringCheckpoint$")
		cmd.Env = append(os.Environ(), checkpointChildEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		checkpoints := 0
		for lines.Scan() {
			l := lines.Text()
			if n, ok := strings.CutPrefix(l, "acked "); ok {
				acked, _ = strconv.Atoi(n)
			}
			if l == "checkpoint" {
				if checkpoints++; checkpoints == 2+round {
					time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) // within the copy
					break
				}
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		checkSound(t, path, acked)
	}
	if acked == 0 {
		t.Fatal("the child acknowledged no batch")
	}
	t.Logf("5 kills during checkpoints; %d batches of %d events acknowledged, all there, the file sound", acked, checkpointBatch)
}

// checkSound opens the database the killed child left and checks it.
func checkSound(t *testing.T, path string, acked int) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var verdict string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&verdict); err != nil || verdict != "ok" {
		t.Fatalf("after the kill, integrity_check: %q %v", verdict, err)
	}
	raw.Close()
	db, err := storage.Open(context.Background(), storage.Config{URL: "sqlite:" + path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := 0
	for _, store := range []string{"s-1", "s-2"} {
		for _, tot := range storagetest.ReplayLedger(t, db, store) {
			got += int(tot.OnHand) // each event adds one unit
		}
		storagetest.CheckReplay(t, db, store)
	}
	if got < acked*checkpointBatch {
		t.Fatalf("after the kill, %d units of %d acknowledged batches of %d are left", got, acked, checkpointBatch)
	}
}

const checkpointBatch = 500

// checkpointChild writes batches until it is killed, and checkpoints
// beside them.
func checkpointChild(path string) {
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Config{URL: "sqlite:" + path})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for _, id := range []string{"s-1", "s-2"} {
		db.PutStore(ctx, storagetest.Store(id))
	}
	for i := range 50 {
		db.PutSKU(ctx, storagetest.SKU(fmt.Sprintf("K%02d", i)))
	}
	// A short busy timeout: the writer commits back to back (each commit
	// syncing the WAL while it holds the write lock), so a TRUNCATE that
	// waited up to 10 s for that lock starved for most of it. When the
	// busy handler gives up, SQLite goes on as PASSIVE and copies what it
	// can (sqlite3_wal_checkpoint_v2's documented fallback): a copy the
	// kill can still land in, and some checkpoints still truncate.
	cp, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(100)")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	go func() {
		for {
			time.Sleep(20 * time.Millisecond)
			fmt.Println("checkpoint")
			cp.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		}
	}()
	var seen int // batches applied before an earlier kill, so ids stay new
	cp.QueryRow("SELECT COUNT(*) FROM inventory_ledger").Scan(&seen)
	one := int64(1)
	for n := seen / checkpointBatch; ; n++ {
		events := make([]bopis.InventoryEvent, checkpointBatch)
		at := time.Now().Add(-time.Minute)
		for i := range events {
			events[i] = bopis.InventoryEvent{ID: fmt.Sprintf("e-%d-%d", n, i), StoreID: []string{"s-1", "s-2"}[i%2],
				SKU: fmt.Sprintf("K%02d", i%50), Type: bopis.EventDelta, Delta: &one, OccurredAt: at}
		}
		if _, _, err := db.ApplyInventoryEvents(ctx, events, bopis.BatchOptions{}); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("acked", n+1)
	}
}
