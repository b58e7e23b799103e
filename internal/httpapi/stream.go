package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/sse"
)

// The stream's pace. PostgreSQL hands out event ids at insert, not at
// commit, so an id lower than one already sent may still appear: the
// stream keeps looking back over what it sent in the last streamLookback
// polls, and only then takes those ids as settled.
const (
	streamPoll      = 500 * time.Millisecond
	streamHeartbeat = 15 * time.Second
	streamLookback  = 20 // polls, ~10 s
	streamBatch     = 200
)

type streamInput struct {
	wire.StoreIDPath
	After       int64 `query:"after" minimum:"0" doc:"Resume after this event id; absent or 0: from now."`
	LastEventID int64 `header:"Last-Event-ID" minimum:"0" doc:"As after, as EventSource sends it on reconnecting; wins over after."`
}

// streamStop ends the open streams when the server shuts down: an open
// stream never goes idle, so http.Server.Shutdown would wait for it until
// its deadline.
type streamStop struct {
	mu   sync.Mutex
	done chan struct{}
}

// c is closed when the streams are to end.
func (t *streamStop) c() chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done == nil {
		t.done = make(chan struct{})
	}
	return t.done
}

func (t *streamStop) stop() {
	c := t.c()
	t.mu.Lock()
	defer t.mu.Unlock()
	select {
	case <-c:
	default:
		close(c)
	}
}

// CloseStreams ends every open order stream (clients reconnect, resuming
// where they were); pass it to http.Server.RegisterOnShutdown.
func (s *Server) CloseStreams() { s.streams.stop() }

func (s *Server) registerStream() {
	o := op("stream-store-orders", http.MethodGet, "/v1/stores/{store_id}/orders/stream",
		"Live changes of a store's orders (server-sent events)", "Store work", bopis.RoleStore)
	o.Description = "A `text/event-stream` that stays open: an `order` event (id: the event id; data: the " +
		"timeline entry, as in `GET /v1/orders/{id}/events`, with `order_id`) for every change of an order at the " +
		"store, within about a second, oldest first; a `ping` event on connecting and every 15 s. Starts from now, " +
		"or after `?after=` / `Last-Event-ID`. Read the order (or the queue) again on an event: the event says what " +
		"happened, the order says how it stands."
	o.Middlewares = huma.Middlewares{s.streamOpen}
	sse.Register(s.api, o, map[string]any{"order": bopis.OrderEvent{}, "ping": wire.StreamPing{}},
		func(ctx context.Context, in *streamInput, send sse.Sender) {
			after := in.After
			if in.LastEventID > 0 {
				after = in.LastEventID
			}
			if after == 0 {
				var err error
				if after, err = s.db.LastOrderEventID(ctx); err != nil {
					s.log.ErrorContext(ctx, "starting an order stream", "error", err)
					return
				}
			}
			s.followStore(ctx, in.StoreID, after, send)
		})
}

// streamOpen answers 404 for a store that does not exist (the stream
// itself can no longer answer a problem once it starts).
func (s *Server) streamOpen(ctx huma.Context, next func(huma.Context)) {
	if _, err := s.db.GetStore(ctx.Context(), ctx.Param("store_id")); err != nil {
		if bopis.ErrorCode(err) == bopis.ENOTFOUND {
			huma.WriteErr(s.api, ctx, http.StatusNotFound, err.Error())
			return
		}
		s.log.ErrorContext(ctx.Context(), "opening an order stream", "error", err)
		huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "cannot read the store now")
		return
	}
	next(ctx)
}

// followStore sends the store's order events after id after until the
// client goes away.
func (s *Server) followStore(ctx context.Context, storeID string, after int64, send sse.Sender) {
	ping := func() bool { return send(sse.Message{Data: wire.StreamPing{Now: s.now(), LastEventID: after}}) == nil }
	if !ping() {
		return
	}
	poll, beat := time.NewTicker(streamPoll), time.NewTicker(streamHeartbeat)
	defer poll.Stop()
	defer beat.Stop()
	low := after            // every id up to low is settled
	sent := map[int64]int{} // ids above low already sent → the poll that sent them
	stop := s.streams.c()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-beat.C:
			if !ping() {
				return
			}
			continue
		case <-poll.C:
		}
		for from := low; ; {
			evs, err := s.db.StoreOrderEvents(ctx, storeID, from, streamBatch)
			if err != nil {
				if ctx.Err() == nil {
					s.log.WarnContext(ctx, "polling an order stream", "store_id", storeID, "error", err)
				}
				break // try again next poll
			}
			for _, e := range evs {
				if _, ok := sent[e.ID]; ok {
					continue
				}
				if send(sse.Message{ID: int(e.ID), Data: e}) != nil {
					return
				}
				sent[e.ID], after = n, max(after, e.ID)
			}
			if len(evs) < streamBatch {
				break
			}
			from = evs[len(evs)-1].ID
		}
		for id, at := range sent {
			if n-at >= streamLookback {
				low = max(low, id)
			}
		}
		for id := range sent {
			if id <= low {
				delete(sent, id)
			}
		}
	}
}
