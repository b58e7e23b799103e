package httpapi

import (
	"context"
	"crypto/rand"
	"html/template"
	"net/http"
	"strings"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
)

func (s *Server) registerWebhooks() {
	create := op("create-webhook", http.MethodPost, "/v1/webhooks", "Subscribe an endpoint to events", "Webhooks")
	create.DefaultStatus = http.StatusCreated
	create.Description = "Each event is POSTed as JSON `{id, type, created_at, data}` with `Bopis-Signature: " +
		"t=<unix>,v1=<hex HMAC-SHA256 of \"<unix>.<body>\" under the secret>`, and retried with backoff (10 s " +
		"doubling, at most 1 h) until a 2xx or the maximum age (BOPIS_WEBHOOK_MAX_AGE, default 24 h), then dead. " +
		"A URL to a loopback, private, link-local, unspecified or cloud-metadata destination is refused (422) when " +
		"saved, and a delivery whose name resolves to one then is not sent; a 3xx answer is a failed delivery " +
		"(redirects are never followed). BOPIS_WEBHOOK_ALLOW_PRIVATE=true lifts the destination rule. A failed " +
		"delivery's last_error says what happened without naming addresses or ports."
	huma.Register(s.api, create, func(ctx context.Context, in *struct{ Body wire.WebhookRequest }) (*struct{ Body *bopis.Webhook }, error) {
		if err := in.Body.Validate(s.allowPrivate); err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		events := in.Body.Events
		if events == nil {
			events = []string{}
		}
		w, err := s.notifier.CreateWebhook(ctx, bopis.Webhook{ID: "wh-" + strings.ToLower(rand.Text()), URL: in.Body.URL,
			Events: events, Sealed: s.key.Seal(in.Body.Secret)})
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &struct{ Body *bopis.Webhook }{w}, nil
	})

	huma.Register(s.api, op("list-webhooks", http.MethodGet, "/v1/webhooks", "Webhook subscriptions", "Webhooks"),
		func(ctx context.Context, _ *struct{}) (*listOutput[bopis.Webhook], error) {
			list, err := s.notifier.Webhooks(ctx)
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return &listOutput[bopis.Webhook]{Body: List[bopis.Webhook]{Data: list}}, nil
		})

	huma.Register(s.api, op("delete-webhook", http.MethodDelete, "/v1/webhooks/{id}", "End a subscription", "Webhooks"),
		func(ctx context.Context, in *wire.WebhookIDPath) (*struct{}, error) {
			if err := s.notifier.DeleteWebhook(ctx, in.ID); err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return nil, nil
		})

	huma.Register(s.api, op("list-deliveries", http.MethodGet, "/v1/webhooks/{id}/deliveries", "A webhook's deliveries, newest first",
		"Webhooks"), func(ctx context.Context, in *struct {
		wire.WebhookIDPath
		Page
	}) (*listOutput[bopis.Delivery], error) {
		list, next, err := s.notifier.Deliveries(ctx, in.ID, in.page())
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &listOutput[bopis.Delivery]{Body: List[bopis.Delivery]{Data: list, NextCursor: next}}, nil
	})

	replay := op("replay-delivery", http.MethodPost, "/v1/webhooks/{id}/deliveries/{delivery_id}/replay",
		"Deliver an event again", "Webhooks")
	replay.Description = "The delivery is pending again at once (whatever its status) and retried for another maximum age."
	huma.Register(s.api, replay, func(ctx context.Context, in *struct {
		wire.WebhookIDPath
		DeliveryID int64 `path:"delivery_id" doc:"The delivery's id."`
	}) (*struct{ Body *bopis.Delivery }, error) {
		d, err := s.notifier.ReplayDelivery(ctx, in.ID, in.DeliveryID, s.now().Add(s.webhookMaxAge))
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &struct{ Body *bopis.Delivery }{d}, nil
	})

	huma.Register(s.api, op("list-order-notifications", http.MethodGet, "/v1/orders/{id}/notifications",
		"Every email and SMS for an order, with its delivery status", "Orders", bopis.RoleStorefront, bopis.RoleStore),
		func(ctx context.Context, in *wire.OrderIDPath) (*struct{ Body List[bopis.Notification] }, error) {
			list, err := s.notifier.OrderNotifications(ctx, in.ID, orderScope(ctx))
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &struct{ Body List[bopis.Notification] }{List[bopis.Notification]{Data: list}}, nil
		})
}

// mailboxPage is the demo's mailbox: every message bopis would have sent.
var mailboxPage = template.Must(template.New("mailbox").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bopis demo mailbox</title>
<style>
body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:50rem;padding:0 1rem;color:#1a1a1a}
article{border:1px solid #999;border-radius:.4rem;padding:.8rem;margin:.8rem 0}
.meta{color:#444;font-size:.9rem;overflow-wrap:anywhere} pre{white-space:pre-wrap;overflow-wrap:anywhere;font:inherit}
h2{overflow-wrap:anywhere}
</style></head><body>
<h1>Demo mailbox</h1>
<p>Every email and SMS bopis would send in this demo, newest first. Reload to see new ones.</p>
{{range .}}<article aria-label="{{.Channel}} to {{.Recipient}}">
<p class="meta"><strong>{{.Channel}}</strong> to {{.Recipient}} · {{.Template}} · order {{.OrderID}} · {{.Status}} · {{.When}}</p>
{{if .Subject}}<h2>{{.Subject}}</h2>{{end}}
<pre>{{.Text}}</pre>
</article>{{else}}<p>No messages yet: place an order.</p>{{end}}
</body></html>`))

// mailbox serves the demo mailbox page.
func (s *Server) mailbox(w http.ResponseWriter, r *http.Request) {
	list, err := s.notifier.RecentNotifications(r.Context(), 200)
	if err != nil {
		s.log.ErrorContext(r.Context(), "reading the mailbox", "error", err)
		http.Error(w, "cannot read the mailbox", http.StatusServiceUnavailable)
		return
	}
	// Each message's time as a person reads it: its order's store's zone
	// (bopis.FormatTime), each order read once.
	zones := map[string]string{}
	mail := make([]mailItem, len(list))
	for i, n := range list {
		tz, ok := zones[n.OrderID]
		if !ok {
			if o, err := s.orderReader.GetOrder(r.Context(), n.OrderID, bopis.OrderScope{}); err == nil {
				tz = o.TimeZone
			}
			zones[n.OrderID] = tz
		}
		mail[i] = mailItem{Notification: n, When: bopis.FormatTime(n.CreatedAt, tz)}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	mailboxPage.Execute(w, mail)
}

// mailItem is one message in the mailbox, with its time as people read it.
type mailItem struct {
	bopis.Notification
	When string
}
