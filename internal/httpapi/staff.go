package httpapi

import (
	"context"
	"net/http"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
)

// registerStaff declares the staff routes (issue 41). For now they take
// admin keys; a manager's session (next increment) will manage the
// staff of its own stores as bopis.Staff.CanManage says.
func (s *Server) registerStaff() {
	o := op("create-staff", http.MethodPost, "/v1/staff", "Create a staff member", "Staff")
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *struct{ Body wire.StaffBody }) (*struct{ Body *bopis.Staff }, error) {
		m := &bopis.Staff{Email: in.Body.Email, Name: in.Body.Name, Role: in.Body.Role, StoreIDs: in.Body.StoreIDs}
		if err := s.db.CreateStaff(ctx, m); err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &struct{ Body *bopis.Staff }{m}, nil
	})

	huma.Register(s.api, op("list-staff", http.MethodGet, "/v1/staff", "Search staff by name or email", "Staff"),
		func(ctx context.Context, in *struct {
			Page
			Q string `query:"q" maxLength:"200" doc:"Part of a name or email address, any case."`
		}) (*listOutput[bopis.Staff], error) {
			list_, next, err := s.db.SearchStaff(ctx, in.Q, in.page())
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return list(list_, next), nil
		})

	type idPath struct {
		StaffID string `path:"staff_id"`
	}
	huma.Register(s.api, op("get-staff", http.MethodGet, "/v1/staff/{staff_id}", "Get a staff member", "Staff"),
		func(ctx context.Context, in *idPath) (*struct{ Body *bopis.Staff }, error) {
			m, err := s.db.GetStaff(ctx, in.StaffID)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &struct{ Body *bopis.Staff }{m}, nil
		})

	huma.Register(s.api, op("update-staff", http.MethodPatch, "/v1/staff/{staff_id}", "Change a staff member", "Staff"),
		func(ctx context.Context, in *struct {
			StaffID string `path:"staff_id"`
			Body    wire.StaffPatch
		}) (*struct{ Body *bopis.Staff }, error) {
			m, err := s.db.GetStaff(ctx, in.StaffID)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			p := in.Body
			if p.Email != nil {
				m.Email = *p.Email
			}
			if p.Name != nil {
				m.Name = *p.Name
			}
			if p.Role != nil {
				m.Role = *p.Role
			}
			if p.StoreIDs != nil {
				m.StoreIDs = p.StoreIDs
			}
			if p.Disabled != nil {
				m.Disabled = *p.Disabled
			}
			if err := s.db.UpdateStaff(ctx, m); err != nil {
				return nil, s.problem(ctx, "body", err)
			}
			return &struct{ Body *bopis.Staff }{m}, nil
		})

	huma.Register(s.api, op("disable-staff", http.MethodDelete, "/v1/staff/{staff_id}", "Disable a staff member (ends their sessions)", "Staff"),
		func(ctx context.Context, in *idPath) (*struct{ Body *bopis.Staff }, error) {
			m, err := s.db.DisableStaff(ctx, in.StaffID)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &struct{ Body *bopis.Staff }{m}, nil
		})
}
