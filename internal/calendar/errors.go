package calendar

import (
	"errors"

	"github.com/bopis/bopis"
)

// Why SlotAt and CheckSlot refuse a slot; match with errors.Is.
var (
	ErrNoPickup          = errors.New("the store does not offer pickup")
	ErrSlotPast          = errors.New("the slot has already begun")
	ErrSlotBeyondHorizon = errors.New("the slot is beyond the booking horizon")
	ErrSlotClosed        = errors.New("the store is closed at the slot's start")
	ErrNoSuchSlot        = errors.New("no slot starts at that time")
	ErrNotReady          = errors.New("the order cannot be ready by the slot's start")
	ErrSlotFull          = errors.New("the slot is full")
)

// slotError is a refusal: a *bopis.Error for the HTTP layer's code mapping
// and a sentinel for callers that branch on the reason.
type slotError struct {
	err  *bopis.Error
	kind error
}

func (e *slotError) Error() string   { return e.err.Error() }
func (e *slotError) Unwrap() []error { return []error{e.err, e.kind} }

func slotErr(kind error, format string, args ...any) error {
	code := bopis.EINVALID
	if kind == ErrSlotFull {
		code = bopis.ECONFLICT
	}
	return &slotError{err: bopis.Errorf(code, format, args...), kind: kind}
}
