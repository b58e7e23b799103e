package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/bopis/bopis/internal/storage"
)

// settings are the retailer's policies and limits, read from the environment.
type settings struct {
	safetyStock      int64         // BOPIS_SAFETY_STOCK: default units kept back per SKU and store
	staleAfter       time.Duration // BOPIS_STALE_AFTER: a POS feed silent this long is stale
	staleBuffer      int64         // BOPIS_STALE_BUFFER: extra units that must remain at a stale store
	publicStorefront bool          // BOPIS_PUBLIC_STOREFRONT: serve /api/storefront/pickup-options with no key
	publicRate       float64       // BOPIS_PUBLIC_RATE: requests/s per client IP on public routes
}

func loadSettings() (settings, error) {
	s := settings{staleAfter: bopis.DefaultStaleAfter, staleBuffer: bopis.DefaultStaleBuffer, publicRate: 10}
	var err error
	if v := env("BOPIS_SAFETY_STOCK", ""); v != "" {
		if s.safetyStock, err = strconv.ParseInt(v, 10, 64); err != nil || s.safetyStock < 0 {
			return s, fmt.Errorf("BOPIS_SAFETY_STOCK must be a whole number of units, 0 or more")
		}
	}
	if v := env("BOPIS_STALE_AFTER", ""); v != "" {
		if s.staleAfter, err = time.ParseDuration(v); err != nil || s.staleAfter <= 0 {
			return s, fmt.Errorf("BOPIS_STALE_AFTER must be a duration such as 15m")
		}
	}
	if v := env("BOPIS_STALE_BUFFER", ""); v != "" {
		if s.staleBuffer, err = strconv.ParseInt(v, 10, 64); err != nil || s.staleBuffer < 0 {
			return s, fmt.Errorf("BOPIS_STALE_BUFFER must be a whole number of units, 0 or more")
		}
	}
	if v := env("BOPIS_PUBLIC_STOREFRONT", ""); v != "" {
		if s.publicStorefront, err = strconv.ParseBool(v); err != nil {
			return s, fmt.Errorf("BOPIS_PUBLIC_STOREFRONT must be true or false")
		}
	}
	if v := env("BOPIS_PUBLIC_RATE", ""); v != "" {
		if s.publicRate, err = strconv.ParseFloat(v, 64); err != nil || s.publicRate <= 0 {
			return s, fmt.Errorf("BOPIS_PUBLIC_RATE must be a number of requests per second above 0")
		}
	}
	return s, nil
}

func (s settings) storage(url string) storage.Config {
	buffer := s.staleBuffer
	return storage.Config{URL: url, DefaultSafetyStock: s.safetyStock, StaleAfter: s.staleAfter, StaleBuffer: &buffer}
}

func (s settings) readModel() readmodel.Config {
	return readmodel.Config{StaleAfter: s.staleAfter, StaleBuffer: s.staleBuffer, DefaultSafetyStock: s.safetyStock}
}
