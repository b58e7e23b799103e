package bopis

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// StaffRole says what a member of staff may do (issue 41). A session
// acts with its staff member's role and stores, as an API key does.
type StaffRole string

const (
	StaffAssociate StaffRole = "associate" // their stores' orders
	StaffManager   StaffRole = "manager"   // their stores, and the staff of their stores
	StaffAdmin     StaffRole = "admin"     // everything
)

// StaffRoles lists every staff role, for validation messages.
var StaffRoles = []StaffRole{StaffAssociate, StaffManager, StaffAdmin}

// Bounds of a staff member's fields.
const (
	MaxEmailLength      = 254 // RFC 5321's path limit
	MaxStaffStores      = 100
	MaxStaffSearchQuery = 200
)

// Staff is a person who signs in as themselves (API.md, "Staff"). Their
// password is never part of it: storage keeps only its argon2id hash.
type Staff struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      StaffRole `json:"role"`
	StoreIDs  []string  `json:"store_ids,omitempty"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Scoped reports whether the staff member reaches only the stores listed.
func (s *Staff) Scoped() bool { return s.Role != StaffAdmin }

// CanReachStore reports whether the staff member may act on store id.
func (s *Staff) CanReachStore(id string) bool {
	return !s.Scoped() || slices.Contains(s.StoreIDs, id)
}

// CanManage reports whether s may create or change other, a member of
// staff as it would be after the change: an admin anyone; a manager an
// associate or manager whose stores are all among the manager's own; an
// associate nobody.
func (s *Staff) CanManage(other *Staff) bool {
	switch s.Role {
	case StaffAdmin:
		return true
	case StaffManager:
		if other.Role == StaffAdmin || len(other.StoreIDs) == 0 {
			return false
		}
		for _, id := range other.StoreIDs {
			if !slices.Contains(s.StoreIDs, id) {
				return false
			}
		}
		return true
	}
	return false
}

// NormalizeEmail is the form an email address is unique in: trimmed of
// surrounding space and lower-cased (addresses are unique whatever their case).
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidEmail reports whether email is an address such as ana@example.com:
// a person's text, at most MaxEmailLength bytes, a bare address.
func ValidEmail(email string) bool {
	if len(email) > MaxEmailLength || !ValidText(email) {
		return false
	}
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email && strings.Contains(email, "@")
}

// Validate checks the staff member's fields. A messages names the field
// and the rule, never the value.
func (s *Staff) Validate() error {
	var v fieldErrors
	if s.ID != "" && !ValidID(s.ID) {
		v.add("id", "%s", IDRule)
	}
	if len(s.Email) > MaxEmailLength {
		v.add("email", "must be at most %d characters", MaxEmailLength)
	} else if v.text("email", s.Email) && !ValidEmail(s.Email) {
		v.add("email", "required: an email address such as ana@example.com")
	}
	if v.text("name", s.Name) && (strings.TrimSpace(s.Name) == "" || len(s.Name) > MaxNameLength) {
		v.add("name", "required, at most %d characters", MaxNameLength)
	}
	if !slices.Contains(StaffRoles, s.Role) {
		v.add("role", "must be one of %v", StaffRoles)
	}
	switch {
	case len(s.StoreIDs) > MaxStaffStores:
		v.add("store_ids", "must list at most %d stores", MaxStaffStores)
	case s.Scoped() && len(s.StoreIDs) == 0 && slices.Contains(StaffRoles, s.Role):
		v.add("store_ids", "an %s or manager must list the stores they work in", StaffAssociate)
	default:
		for i, id := range s.StoreIDs {
			if !ValidID(id) {
				v.add(fmt.Sprintf("store_ids[%d]", i), "%s", IDRule)
			} else if slices.Index(s.StoreIDs, id) < i {
				v.add(fmt.Sprintf("store_ids[%d]", i), "repeats a store listed before")
			}
		}
	}
	return v.err("staff member")
}
