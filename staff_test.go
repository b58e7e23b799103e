package bopis_test

import (
	"strings"
	"testing"

	"github.com/bopis/bopis"
)

func TestStaffValidate(t *testing.T) {
	good := bopis.Staff{Email: "ana@example.com", Name: "Ana", Role: bopis.StaffAssociate, StoreIDs: []string{"s-1"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	admin := bopis.Staff{Email: "boss@example.com", Name: "Boss", Role: bopis.StaffAdmin}
	if err := admin.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		mut   func(*bopis.Staff)
		field string
	}{
		"no email":      {func(s *bopis.Staff) { s.Email = "" }, "email"},
		"bad email":     {func(s *bopis.Staff) { s.Email = "ana at example" }, "email"},
		"named email":   {func(s *bopis.Staff) { s.Email = "Ana <ana@example.com>" }, "email"},
		"nul email":     {func(s *bopis.Staff) { s.Email = "ana\x00@example.com" }, "email"},
		"long email":    {func(s *bopis.Staff) { s.Email = strings.Repeat("a", 300) + "@example.com" }, "email"},
		"no name":       {func(s *bopis.Staff) { s.Name = " " }, "name"},
		"bad utf8 name": {func(s *bopis.Staff) { s.Name = "An\xffa" }, "name"},
		"ctl name":      {func(s *bopis.Staff) { s.Name = "An\x1ba" }, "name"},
		"long name":     {func(s *bopis.Staff) { s.Name = strings.Repeat("a", 201) }, "name"},
		"role":          {func(s *bopis.Staff) { s.Role = "owner" }, "role"},
		"no stores":     {func(s *bopis.Staff) { s.StoreIDs = nil }, "store_ids"},
		"bad store":     {func(s *bopis.Staff) { s.StoreIDs = []string{"s 1"} }, "store_ids[0]"},
		"dup store":     {func(s *bopis.Staff) { s.StoreIDs = []string{"s-1", "s-1"} }, "store_ids[1]"},
		"many stores":   {func(s *bopis.Staff) { s.StoreIDs = make([]string, 101) }, "store_ids"},
	} {
		s := good
		c.mut(&s)
		err := s.Validate()
		e, ok := err.(*bopis.Error)
		if !ok || e.Code != bopis.EINVALID {
			t.Errorf("%s: err = %v", name, err)
			continue
		}
		found := false
		for _, f := range e.Fields {
			found = found || f.Path == c.field
			if strings.Contains(f.Message, "\x00") || strings.Contains(f.Message, "example.com\x00") {
				t.Errorf("%s: message echoes input: %q", name, f.Message)
			}
		}
		if !found {
			t.Errorf("%s: fields %v do not name %s", name, e.Fields, c.field)
		}
	}
}

func TestStaffCanManage(t *testing.T) {
	mgr := &bopis.Staff{Role: bopis.StaffManager, StoreIDs: []string{"s-1", "s-2"}}
	assoc := &bopis.Staff{Role: bopis.StaffAssociate, StoreIDs: []string{"s-1"}}
	admin := &bopis.Staff{Role: bopis.StaffAdmin}
	for _, c := range []struct {
		who, other *bopis.Staff
		want       bool
	}{
		{admin, admin, true},
		{admin, assoc, true},
		{mgr, assoc, true},
		{mgr, &bopis.Staff{Role: bopis.StaffManager, StoreIDs: []string{"s-2"}}, true},
		{mgr, &bopis.Staff{Role: bopis.StaffAssociate, StoreIDs: []string{"s-1", "s-3"}}, false},
		{mgr, &bopis.Staff{Role: bopis.StaffAssociate}, false},
		{mgr, admin, false},
		{assoc, assoc, false},
	} {
		if got := c.who.CanManage(c.other); got != c.want {
			t.Errorf("%v manages %v = %v", c.who, c.other, got)
		}
	}
	if !assoc.CanReachStore("s-1") || assoc.CanReachStore("s-2") || !admin.CanReachStore("any") {
		t.Error("CanReachStore")
	}
	if bopis.NormalizeEmail(" Ana@Example.COM ") != "ana@example.com" {
		t.Error("NormalizeEmail")
	}
}
