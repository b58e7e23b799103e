package bopis

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Role says what an API key may do (see API.md).
type Role string

const (
	RoleAdmin      Role = "admin"      // everything
	RoleStorefront Role = "storefront" // pickup options, availability, its orders, customer actions
	RoleStore      Role = "store"      // its stores' orders and inventory adjustments
	RolePOS        Role = "pos"        // inventory feed for its stores
	RolePublic     Role = "public"     // publishable: pickup options, availability, calendars
)

// Roles lists every role, for validation messages and documentation.
var Roles = []Role{RoleAdmin, RoleStorefront, RoleStore, RolePOS, RolePublic}

// APIKey is a credential and what it may reach. The secret is never
// stored: only its SHA-256 hash, which suffices for a 256-bit random secret.
type APIKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name,omitempty"`
	Role      Role       `json:"role"`
	StoreIDs  []string   `json:"store_ids,omitempty"` // for store and pos keys
	Origins   []string   `json:"origins,omitempty"`   // for public keys: CORS origins
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Hash      []byte     `json:"-"`
}

// Scoped reports whether the key reaches only the stores it lists.
func (k *APIKey) Scoped() bool { return k.Role == RoleStore || k.Role == RolePOS }

// CanReachStore reports whether the key may act on store id.
func (k *APIKey) CanReachStore(id string) bool {
	return !k.Scoped() || slices.Contains(k.StoreIDs, id)
}

// Validate checks the key's role and scope.
func (k *APIKey) Validate() error {
	var v fieldErrors
	if !slices.Contains(Roles, k.Role) {
		v.add("role", "must be one of %v", Roles)
	}
	if v.text("name", k.Name) && len(k.Name) > MaxNameLength {
		v.add("name", "must be at most %d characters", MaxNameLength)
	}
	switch {
	case k.Scoped() && len(k.StoreIDs) == 0:
		v.add("store_ids", "a %s key must list the stores it may reach", k.Role)
	case !k.Scoped() && len(k.StoreIDs) > 0:
		v.add("store_ids", "only store and pos keys are limited to stores; a %s key reaches all", k.Role)
	}
	for i, id := range k.StoreIDs {
		if !ValidID(id) {
			v.add(fmt.Sprintf("store_ids[%d]", i), "%s", IDRule)
		}
	}
	if k.Role != RolePublic && len(k.Origins) > 0 {
		v.add("origins", "only public keys carry CORS origins")
	}
	for i, o := range k.Origins {
		if !v.text(fmt.Sprintf("origins[%d]", i), o) {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			v.add(fmt.Sprintf("origins[%d]", i), "must be an origin such as https://shop.example.com")
		}
	}
	return v.err("API key")
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewAPIKeySecret makes a fresh key id (for managing the key) and secret
// token (for using it). The token is shown to its owner once; only
// HashToken of it is kept, and a request's key is found by that hash.
func NewAPIKeySecret() (id, token string) {
	var idb [10]byte
	var sec [32]byte
	rand.Read(idb[:]) // crypto/rand.Read never fails (Go 1.24+)
	rand.Read(sec[:])
	id = "key_" + strings.ToLower(keyEncoding.EncodeToString(idb[:]))
	return id, "bopis_" + strings.ToLower(keyEncoding.EncodeToString(sec[:]))
}

// MinTokenLength is the shortest secret accepted, e.g. for BOPIS_ADMIN_KEY.
const MinTokenLength = 24

// HashToken is what is stored of a token: SHA-256 suffices for a secret of
// 128 bits or more of randomness, and lets a request find its key by hash.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
