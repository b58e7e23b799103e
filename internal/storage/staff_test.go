package storage_test

import (
	"strings"
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

func TestStaffCRUD(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		for _, s := range []string{"s-1", "s-2"} {
			if _, err := db.PutStore(ctx, storagetest.Store(s)); err != nil {
				t.Fatal(err)
			}
		}
		ana := &bopis.Staff{Email: "Ana@Example.com", Name: "Ana López", Role: bopis.StaffAssociate, StoreIDs: []string{"s-1"}}
		if err := db.CreateStaff(ctx, ana); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ana.ID, "stf_") || ana.CreatedAt.IsZero() {
			t.Fatalf("created %+v", ana)
		}
		// Unique whatever the case.
		dup := &bopis.Staff{Email: "ana@EXAMPLE.com", Name: "Other", Role: bopis.StaffAdmin}
		if err := db.CreateStaff(ctx, dup); bopis.ErrorCode(err) != bopis.ECONFLICT {
			t.Fatalf("duplicate email: %v", err)
		}
		// An unknown store, and input that breaks the text rule, are 422s on both databases.
		for _, bad := range []*bopis.Staff{
			{Email: "bo@example.com", Name: "Bo", Role: bopis.StaffAssociate, StoreIDs: []string{"s-9"}},
			{Email: "bo@example.com", Name: "B\x00o", Role: bopis.StaffAdmin},
			{Email: "bo@example.com", Name: "B\xffo", Role: bopis.StaffAdmin},
			{Email: "bo@example.com", Name: strings.Repeat("é", 500), Role: bopis.StaffAdmin},
		} {
			if err := db.CreateStaff(ctx, bad); bopis.ErrorCode(err) != bopis.EINVALID {
				t.Errorf("create %.20q: %v", bad.Name, err)
			}
		}
		bo := &bopis.Staff{Email: "bo@example.com", Name: "Bo Manager", Role: bopis.StaffManager, StoreIDs: []string{"s-1", "s-2"}}
		if err := db.CreateStaff(ctx, bo); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetStaff(ctx, ana.ID)
		if err != nil || got.Email != "Ana@Example.com" || got.Name != "Ana López" || len(got.StoreIDs) != 1 {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := db.GetStaff(ctx, "stf_none"); bopis.ErrorCode(err) != bopis.ENOTFOUND {
			t.Fatalf("get unknown: %v", err)
		}
		for q, want := range map[string]int{"": 2, "LÓPEZ": 1, "example.COM": 2, "manager": 1, "%": 0, "_": 0} {
			list, _, err := db.SearchStaff(ctx, q, bopis.Page{})
			if err != nil || len(list) != want {
				t.Errorf("search %q: %d %v, want %d", q, len(list), err, want)
			}
		}
		if _, _, err := db.SearchStaff(ctx, "a\x00", bopis.Page{}); bopis.ErrorCode(err) != bopis.EINVALID {
			t.Errorf("search NUL: %v", err)
		}
		page, next, err := db.SearchStaff(ctx, "", bopis.Page{Limit: 1})
		if err != nil || len(page) != 1 || next == "" {
			t.Fatalf("page: %d %q %v", len(page), next, err)
		}
		page2, _, err := db.SearchStaff(ctx, "", bopis.Page{Limit: 1, Cursor: next})
		if err != nil || len(page2) != 1 || page2[0].ID == page[0].ID {
			t.Fatalf("page 2: %v %v", page2, err)
		}
		ana.Name, ana.StoreIDs = "Ana L.", []string{"s-2"}
		if err := db.UpdateStaff(ctx, ana); err != nil || ana.Name != "Ana L." || ana.StoreIDs[0] != "s-2" {
			t.Fatalf("update: %+v %v", ana, err)
		}
		ana.Email = "BO@example.com"
		if err := db.UpdateStaff(ctx, ana); bopis.ErrorCode(err) != bopis.ECONFLICT {
			t.Fatalf("update to a taken email: %v", err)
		}
		for range 2 {
			d, err := db.DisableStaff(ctx, bo.ID)
			if err != nil || !d.Disabled {
				t.Fatalf("disable: %+v %v", d, err)
			}
		}
		if _, err := db.DisableStaff(ctx, "stf_none"); bopis.ErrorCode(err) != bopis.ENOTFOUND {
			t.Fatalf("disable unknown: %v", err)
		}
	})
}
