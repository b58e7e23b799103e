package bopis

import "time"

// TestPayment is an authorization of the test gateway as stored.
type TestPayment struct {
	ID, Token, Reference            string
	Amount                          Money
	Captured                        int64  // minor units captured, in Amount's currency
	Status                          string // PaymentAuthorized, PaymentCaptured, PaymentVoided
	ExpiresAt, CreatedAt, UpdatedAt time.Time
}
