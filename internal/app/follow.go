package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/bopis/bopis/internal/storage"
)

// follower keeps the read model current from the change feed: every
// FollowInterval, and at once when a request needs it (CatchUp). One
// read of the feed runs at a time; the watermark is its.
type follower struct {
	db   *storage.DB
	sink bopis.ChangeSink
	log  *slog.Logger
	turn chan struct{} // held by the read under way
	w    storage.Watermark
	// begun and done count the reads begun and completed, in turn: a
	// read numbered n began after every read before it completed.
	begun, done atomic.Uint64
}

func newFollower(db *storage.DB, sink bopis.ChangeSink, log *slog.Logger) *follower {
	return &follower{db: db, sink: sink, log: log, turn: make(chan struct{}, 1)}
}

// read reads the change feed into the sink once; the caller holds the turn.
func (f *follower) read(ctx context.Context) error {
	n := f.begun.Add(1)
	w, err := f.db.ReadChanges(ctx, f.w, f.sink)
	if err != nil {
		return err
	}
	f.w = w
	f.done.Store(n)
	return nil
}

// CatchUp returns once the read model holds everything committed before
// it was called: a read of the change feed begun after the call has
// been applied. Callers at once share a read: when one begun after them
// completes while they wait for the turn, they return without their own.
// It costs the database one read of the feed (a few index probes by
// version) when anything is to be read at all.
func (f *follower) CatchUp(ctx context.Context) error {
	want := f.begun.Load() + 1 // the first read to begin after now
	select {
	case f.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.turn }()
	if f.done.Load() >= want {
		return nil
	}
	return f.read(ctx)
}

// run loads everything, closes loaded, then reads the feed every
// interval until ctx ends.
func (f *follower) run(ctx context.Context, interval time.Duration, loaded chan<- struct{}) error {
	f.turn <- struct{}{}
	err := f.read(ctx)
	<-f.turn
	if err != nil {
		return err
	}
	close(loaded)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := f.CatchUp(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			f.log.WarnContext(ctx, "reading the change feed", "error", err)
		}
	}
}

// caughtUp is CatchUp after a write this process acknowledges: the write
// stands either way, so a failure is logged, and the next poll catches up.
func (f *follower) caughtUp(ctx context.Context, what string) {
	if err := f.CatchUp(ctx); err != nil {
		f.log.WarnContext(ctx, "catching the read model up after a write", "write", what, "error", err)
	}
}

// missWait bounds how long a read of the read model that missed waits
// for the change feed (see checkout).
const missWait = 2 * time.Second

// writes is the storage the API writes through: a change of a store, a
// SKU or a store's override of one is, once committed, in this process's
// read model before the write answers. So whoever was told "done" (an
// admin, a script, the next request) finds it there: a new store's
// calendar, orders at it, a deactivated store or SKU refused at once
// (the database refuses those in every process anyway: see
// bopis.Refusal). Checkout's hot path is untouched; stock and slot
// bookings still reach the model by the poll.
type writes struct {
	*storage.DB
	f *follower
}

func (w writes) PutStore(ctx context.Context, s *bopis.Store) (bool, error) {
	created, err := w.DB.PutStore(ctx, s)
	if err == nil {
		w.f.caughtUp(ctx, "store")
	}
	return created, err
}

func (w writes) DeactivateStore(ctx context.Context, id string) (*bopis.Store, error) {
	s, err := w.DB.DeactivateStore(ctx, id)
	if err == nil {
		w.f.caughtUp(ctx, "store")
	}
	return s, err
}

func (w writes) PutSKU(ctx context.Context, k *bopis.SKU) (bool, error) {
	created, err := w.DB.PutSKU(ctx, k)
	if err == nil {
		w.f.caughtUp(ctx, "sku")
	}
	return created, err
}

func (w writes) PutSKUs(ctx context.Context, skus []*bopis.SKU) (int, error) {
	n, err := w.DB.PutSKUs(ctx, skus)
	if err == nil {
		w.f.caughtUp(ctx, "sku")
	}
	return n, err
}

func (w writes) DeactivateSKU(ctx context.Context, sku string) (*bopis.SKU, error) {
	k, err := w.DB.DeactivateSKU(ctx, sku)
	if err == nil {
		w.f.caughtUp(ctx, "sku")
	}
	return k, err
}

func (w writes) PutStoreSKU(ctx context.Context, o *bopis.StoreSKU) error {
	err := w.DB.PutStoreSKU(ctx, o)
	if err == nil {
		w.f.caughtUp(ctx, "store sku")
	}
	return err
}

func (w writes) DeleteStoreSKU(ctx context.Context, storeID, sku string) error {
	err := w.DB.DeleteStoreSKU(ctx, storeID, sku)
	if err == nil {
		w.f.caughtUp(ctx, "store sku")
	}
	return err
}

// checkout is the read model as requests and routing read it. A store
// or SKU it does not know, or a store it holds inactive, may be one
// another process has just written: the calendar (and routing to a named
// store, which reads it) catches up and looks again before it answers
// "not found". A miss costs a read of the change feed, shared by the
// requests that miss at once; checkout's pickup options never wait.
type checkout struct {
	*readmodel.Model
	f *follower
}

func (c checkout) Calendar(storeID string, skus []string, method bopis.PickupMethod, now time.Time, days int) (readmodel.StorePromise, []int, bool) {
	sp, unknown, found := c.Model.Calendar(storeID, skus, method, now, days)
	if found && len(unknown) == 0 && sp.Store.Active {
		return sp, unknown, found
	}
	ctx, cancel := context.WithTimeout(context.Background(), missWait)
	defer cancel()
	if err := c.f.CatchUp(ctx); err != nil {
		c.f.log.Warn("catching the read model up after a miss", "store", storeID, "error", err)
		return sp, unknown, found
	}
	return c.Model.Calendar(storeID, skus, method, now, days)
}
