package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/sse"
)

// OrderStreamer reads what the stores' live order streams send.
type OrderStreamer interface {
	StoreOrderEvents(ctx context.Context, storeID string, afterID int64, limit int) ([]bopis.OrderEvent, error)
	OrderEventsAfter(ctx context.Context, afterID int64, limit int) ([]bopis.StoreEvent, error)
	LastOrderEventID(ctx context.Context) (int64, error)
}

// The streams' pace. PostgreSQL hands out event ids at insert, not at
// commit, so an id lower than one already sent may still appear: the
// poller keeps looking back over what it read in the last streamLookback
// polls, and only then takes those ids as settled.
const (
	streamPoll      = 500 * time.Millisecond
	streamHeartbeat = 15 * time.Second
	streamLookback  = 20 // polls, ~10 s
	streamBatch     = 200
	streamBuffer    = 1024 // events a stream may fall behind the poller before it is ended (the client resumes)
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
// client goes away: those already written, read once, then what the
// process's one poller (streamHub) hands it.
func (s *Server) followStore(ctx context.Context, storeID string, after int64, send sse.Sender) {
	ping := func() bool { return send(sse.Message{Data: wire.StreamPing{Now: s.now(), LastEventID: after}}) == nil }
	if !ping() {
		return
	}
	sub := s.hub.subscribe(storeID, after)
	defer s.hub.unsubscribe(sub)
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	from := after            // nothing at or below it is sent: the client has it, or the stream started after it
	sent := map[int64]bool{} // ids above from already sent
	deliver := func(e bopis.OrderEvent) bool {
		if e.ID <= from || sent[e.ID] {
			return true
		}
		sent[e.ID], after = true, max(after, e.ID)
		return send(sse.Message{ID: int(e.ID), Data: e}) == nil
	}
	for next := from; ; { // what was written before the poller took the stream on
		evs, err := s.db.StoreOrderEvents(ctx, storeID, next, streamBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "starting an order stream", "store_id", storeID, "error", err)
			}
			return
		}
		for _, e := range evs {
			if !deliver(e) {
				return
			}
		}
		if len(evs) < streamBatch {
			break
		}
		next = evs[len(evs)-1].ID
	}
	stop := s.streams.c()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-sub.lost:
			return // too far behind: the client reconnects with Last-Event-ID
		case <-beat.C:
			if !ping() {
				return
			}
			settled := s.hub.settled()
			for id := range sent {
				if id <= settled {
					delete(sent, id) // the poller hands out nothing at or below settled again
				}
			}
		case e := <-sub.events:
			if !deliver(e) {
				return
			}
		}
	}
}

// streamHub is the one poller of a process's order streams: while any
// stream is open it reads every store's new order events once every
// streamPoll and hands each to the streams of its store, so that 1,000
// open streams cost the database what one does.
type streamHub struct {
	db   OrderStreamer
	log  *slog.Logger
	stop func() chan struct{} // the server's streams ending

	mu      sync.Mutex
	subs    map[string]map[*streamSub]bool // by store
	open    int
	running bool
	low     int64 // every id up to low is settled: never handed out again
}

// streamSub is one stream's subscription.
type streamSub struct {
	store  string
	events chan bopis.OrderEvent
	lost   chan struct{} // closed when the stream fell streamBuffer events behind
}

// subscribe hands the store's new events to the subscription from now on,
// starting the poller after id from if it is not running (so nothing
// written after from escapes the stream that started it; one that joins
// later reads what it missed itself).
func (h *streamHub) subscribe(storeID string, from int64) *streamSub {
	sub := &streamSub{store: storeID, events: make(chan bopis.OrderEvent, streamBuffer), lost: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[string]map[*streamSub]bool{}
	}
	if h.subs[storeID] == nil {
		h.subs[storeID] = map[*streamSub]bool{}
	}
	h.subs[storeID][sub] = true
	h.open++
	if !h.running {
		h.running, h.low = true, from
		go h.poll(from)
	}
	return sub
}

func (h *streamHub) unsubscribe(sub *streamSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[sub.store][sub] {
		delete(h.subs[sub.store], sub)
		h.open--
	}
}

// settled is the id up to which the poller hands out nothing again.
func (h *streamHub) settled() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.low
}

// poll reads the events after low every streamPoll while streams are
// open, then ends; a stream opening later starts it again.
func (h *streamHub) poll(low int64) {
	ctx := context.Background()
	t := time.NewTicker(streamPoll)
	defer t.Stop()
	read := map[int64]int{} // ids above low already handed out → the poll that read them
	for n := 0; ; n++ {
		stopping := false
		select {
		case <-t.C:
		case <-h.stop(): // the server shuts down: its streams end
			stopping = true
		}
		h.mu.Lock()
		if h.open == 0 || stopping {
			h.running = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		for from := low; ; {
			evs, err := h.db.OrderEventsAfter(ctx, from, streamBatch)
			if err != nil {
				h.log.WarnContext(ctx, "polling the order streams", "error", err)
				break // try again next poll
			}
			h.mu.Lock()
			for _, e := range evs {
				if _, ok := read[e.ID]; ok {
					continue
				}
				read[e.ID] = n
				for sub := range h.subs[e.StoreID] {
					select {
					case sub.events <- e.OrderEvent:
					default: // the stream is not keeping up: end it rather than hold up every other
						close(sub.lost)
						delete(h.subs[e.StoreID], sub)
						h.open--
					}
				}
			}
			h.mu.Unlock()
			if len(evs) < streamBatch {
				break
			}
			from = evs[len(evs)-1].ID
		}
		for id, at := range read {
			if n-at >= streamLookback {
				low = max(low, id)
			}
		}
		for id := range read {
			if id <= low {
				delete(read, id)
			}
		}
		h.mu.Lock()
		h.low = low
		h.mu.Unlock()
	}
}
