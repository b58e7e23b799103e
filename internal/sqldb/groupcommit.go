package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// committer runs the write transactions of SQLite's one writer connection
// in groups: while one group runs and commits, new requests queue, and
// the next group runs them all in one transaction and one fsync. The
// group's first request runs without a savepoint (if it fails, the
// transaction holds only its writes and is rolled back); each later one
// runs inside its own savepoint, so one that fails is undone alone and the
// others still commit. A savepoint is not free: SQLite copies every page
// the request changes into a sub-journal first (~14% of a POS batch's
// time). The writer runs synchronous=FULL (sqliteDSN): SQLite syncs the
// WAL as part of each commit, so each caller hears about its own request
// only once the group's commit is durable. On a disk with ~1 ms durable
// commits this is the known way past ~1,000 transactions a second
// (BASELINES.md): one sync for the whole group. PostgreSQL needs none of
// it (many connections, and its own commit_delay).
type committer struct {
	w        *sql.DB
	idle     func() // runs between groups, when no transaction holds the writer
	reqs     chan *txRequest
	closing  chan struct{}
	done     chan struct{}
	once     sync.Once
	maxGroup int
	groups   atomic.Int64 // commits made, for tests
}

type txRequest struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	err  chan error
	kind Kind // Alone: a transaction of its own; any other kind is shared
}

// maxGroup bounds a group, so the first request of a busy group waits for
// at most this many others before its commit.
const maxGroup = 128

// newCommitter starts the writer.
func newCommitter(w *sql.DB, idle func()) *committer {
	c := &committer{w: w, idle: idle, reqs: make(chan *txRequest, maxGroup), closing: make(chan struct{}),
		done: make(chan struct{}), maxGroup: maxGroup}
	go c.run()
	return c
}

// errClosed answers writes that arrive after Close.
var errClosed = errors.New("storage: the database is closed")

// do runs fn in a write transaction shared with whatever else is queued,
// and returns its outcome once that transaction is durable (or fn's own
// error, having undone fn's writes). An alone fn runs in a transaction
// of its own, never in a savepoint: for big writes (a POS batch of
// thousands of events), whose pages a savepoint would copy first. Each
// fn runs once.
func (c *committer) do(ctx context.Context, kind Kind, fn func(*sql.Tx) error) error {
	r := &txRequest{ctx: ctx, fn: fn, err: make(chan error, 1), kind: kind}
	select {
	case c.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closing:
		return errClosed
	}
	// Once queued, fn may run whatever ctx says: wait to know whether it
	// committed.
	return <-r.err
}

// close stops the writer after the queued requests; closing twice is harmless.
func (c *committer) close() {
	c.once.Do(func() { close(c.closing) })
	<-c.done
}

func (c *committer) run() {
	defer close(c.done)
	group := make([]*txRequest, 0, c.maxGroup)
	errs := make([]error, 0, c.maxGroup)
	var next *txRequest // an alone request met while filling a group
	for {
		first := next
		next = nil
		if first == nil {
			select {
			case first = <-c.reqs:
			case <-c.closing:
				// Drain what was queued before close; nothing new can come.
				select {
				case first = <-c.reqs:
				default:
					return
				}
			}
		}
		if err := first.ctx.Err(); err != nil {
			first.err <- err
			continue
		}
		tx, err := c.w.BeginTx(context.Background(), nil)
		if err != nil {
			first.err <- err
			continue
		}
		if err := call(first.fn, tx); err != nil {
			// Only first's writes are in tx: undo them all.
			tx.Rollback()
			first.err <- err
			c.between()
			continue
		}
		group, errs = append(group[:0], first), append(errs[:0], nil)
		var fatal error
	more:
		for first.kind != Alone && fatal == nil && len(group) < c.maxGroup {
			select {
			case r := <-c.reqs:
				if r.kind == Alone {
					next = r
					break more
				}
				group = append(group, r)
				var e error
				e, fatal = runOne(tx, r)
				errs = append(errs, e)
			default:
				break more
			}
		}
		if fatal == nil {
			fatal = tx.Commit()
			c.groups.Add(1)
		} else {
			tx.Rollback()
		}
		for i, r := range group {
			if fatal != nil {
				r.err <- fatal
			} else {
				r.err <- errs[i]
			}
		}
		c.between()
	}
}

// between runs the idle hook, when no transaction holds the writer.
func (c *committer) between() {
	if c.idle != nil {
		c.idle()
	}
}

// runOne runs r inside a savepoint of tx: err is r's own failure (its
// writes undone), fatal a failure that leaves tx unusable.
func runOne(tx *sql.Tx, r *txRequest) (err, fatal error) {
	if err := r.ctx.Err(); err != nil {
		return err, nil
	}
	if _, err := tx.Exec(`SAVEPOINT bopis_group`); err != nil {
		return nil, err
	}
	err = call(r.fn, tx)
	if err != nil {
		if _, e := tx.Exec(`ROLLBACK TO SAVEPOINT bopis_group`); e != nil {
			return nil, fmt.Errorf("undoing a failed write: %w (after: %v)", e, err)
		}
	}
	if _, e := tx.Exec(`RELEASE SAVEPOINT bopis_group`); e != nil {
		return nil, e
	}
	return err, nil
}

// call runs fn, turning a panic into an error so one bad request cannot
// take the writer (and every other request) down.
func call(fn func(*sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("storage: panic in a write: %v", p)
		}
	}()
	return fn(tx)
}
