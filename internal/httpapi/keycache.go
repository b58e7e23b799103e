package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/bopis/bopis"
)

// keyCacheTTL is how long a verified key is trusted without asking the
// database again. A key revoked through this process stops at once; one
// revoked through another process sharing the database stops within this.
const keyCacheTTL = 5 * time.Second

// keyCache remembers recently verified keys, so checkout's thousands of
// requests a second do not each read the database (see ADR 0002).
type keyCache struct {
	now func() time.Time

	mu   sync.Mutex
	keys map[string]cachedKey // by token
	// refused are tokens the database did not know, until when: a client
	// repeating a bad key is answered without a query.
	refused map[string]time.Time
}

type cachedKey struct {
	key     *bopis.APIKey
	expires time.Time
}

const maxCachedKeys = 10000

func newKeyCache(now func() time.Time) *keyCache {
	return &keyCache{now: now, keys: map[string]cachedKey{}, refused: map[string]time.Time{}}
}

// authenticate returns the live key for token, from the cache or db.
func (c *keyCache) authenticate(ctx context.Context, db Storage, token string) (*bopis.APIKey, error) {
	now := c.now()
	c.mu.Lock()
	hit, ok := c.keys[token]
	refusedUntil, refused := c.refused[token]
	c.mu.Unlock()
	if ok && now.Before(hit.expires) {
		return hit.key, nil
	}
	if refused && now.Before(refusedUntil) {
		return nil, bopis.Errorf(bopis.EUNAUTHORIZED, "unknown API key")
	}
	k, err := db.Authenticate(ctx, token)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if bopis.ErrorCode(err) == bopis.EUNAUTHORIZED {
			if len(c.refused) >= maxCachedKeys {
				clear(c.refused)
			}
			c.refused[token] = now.Add(keyCacheTTL)
		}
		return nil, err
	}
	if len(c.keys) >= maxCachedKeys {
		clear(c.keys)
	}
	c.keys[token] = cachedKey{key: k, expires: now.Add(keyCacheTTL)}
	return k, nil
}

// trusted reports whether token is a key verified within the cache's
// time, without asking the database.
func (c *keyCache) trusted(token string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	hit, ok := c.keys[token]
	return ok && c.now().Before(hit.expires)
}

// forget drops the key with id, e.g. when it is revoked.
func (c *keyCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t, e := range c.keys {
		if e.key.ID == id {
			delete(c.keys, t)
		}
	}
}
