// Package wire holds the JSON bodies of bopis's HTTP API (internal/httpapi):
// what a client sends and what it is answered, the path and header
// parameters operations share, and how the large checkout answers write
// their own JSON (JSONFormat). The huma schemas of the OpenAPI document are
// generated from these types, so their names, fields and tags are the
// contract. They sit apart from the handlers so that the shapes read in one
// place and the handlers' package stays a size one can read (issue 39).
package wire

import (
	"time"

	"github.com/bopis/bopis"
	"github.com/danielgtaylor/huma/v2"
)

// Path and header parameters.

// StoreIDPath is a store in the path.
type StoreIDPath struct {
	StoreID string `path:"store_id" doc:"Store id: 1 to 64 letters, digits, '.', '_' or '-'."`
}

// SKUPath is a SKU in the path.
type SKUPath struct {
	SKU string `path:"sku" doc:"SKU: 1 to 64 letters, digits, '.', '_' or '-'."`
}

// StoreSKUPath is a store's override of a SKU in the path.
type StoreSKUPath struct {
	StoreIDPath
	SKUPath
}

// OrderIDPath is an order in the path.
type OrderIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"The order's id."`
}

// WebhookIDPath is a webhook in the path.
type WebhookIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"The webhook's id."`
}

// IdempotencyHeader is the Idempotency-Key of a write.
type IdempotencyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Repeating a request with the same key and body answers the first response and changes nothing; the same key with another body is 422."`
}

// Resolve refuses a key that breaks the text rule: the key is stored, and
// a header may carry bytes that are not UTF-8, which PostgreSQL refuses.
func (h *IdempotencyHeader) Resolve(huma.Context) []error {
	if bopis.ValidString(h.IdempotencyKey) {
		return nil
	}
	return []error{&huma.ErrorDetail{Location: "header.Idempotency-Key", Message: bopis.StringRule}}
}

// APIKeyBody asks for a new key.
type APIKeyBody struct {
	Role     bopis.Role `json:"role" enum:"admin,storefront,store,pos,public"`
	StoreIDs []string   `json:"store_ids,omitempty" doc:"Required for store and pos keys: the stores the key reaches."`
	Origins  []string   `json:"origins,omitempty" doc:"Public keys only: web origins allowed by CORS."`
	Name     string     `json:"name,omitempty" doc:"A label, e.g. the till or system using the key."`
}

// NewAPIKey is a created key with its secret, shown this once.
type NewAPIKey struct {
	bopis.APIKey
	Secret string `json:"secret" doc:"The key to send as Authorization: Bearer <secret>. Shown only now; bopis keeps only its hash."`
}

// StreamPing says the stream is live: sent on connecting, then every 15 s
// (so proxies keep the connection open).
type StreamPing struct {
	Now         time.Time `json:"now" doc:"The server's clock (a device's own may be off)."`
	LastEventID int64     `json:"last_event_id" doc:"Resume after this id (?after= or Last-Event-ID) to miss nothing."`
}

// StaffBody asks for a new staff member (issue 41).
type StaffBody struct {
	Email    string          `json:"email" maxLength:"254" doc:"Unique whatever its case."`
	Name     string          `json:"name" maxLength:"200"`
	Role     bopis.StaffRole `json:"role" enum:"associate,manager,admin"`
	StoreIDs []string        `json:"store_ids,omitempty" maxItems:"100" doc:"Required for associates and managers: the stores they work in."`
}

// StaffPatch changes a staff member: the fields present replace theirs.
type StaffPatch struct {
	Email    *string          `json:"email,omitempty" maxLength:"254"`
	Name     *string          `json:"name,omitempty" maxLength:"200"`
	Role     *bopis.StaffRole `json:"role,omitempty" enum:"associate,manager,admin"`
	StoreIDs []string         `json:"store_ids,omitempty" maxItems:"100"`
	Disabled *bool            `json:"disabled,omitempty"`
}
