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
}

type cachedKey struct {
	key     *bopis.APIKey
	expires time.Time
}

const maxCachedKeys = 10000

func newKeyCache(now func() time.Time) *keyCache {
	return &keyCache{now: now, keys: map[string]cachedKey{}}
}

// authenticate returns the live key for token, from the cache or db.
func (c *keyCache) authenticate(ctx context.Context, db Storage, token string) (*bopis.APIKey, error) {
	now := c.now()
	c.mu.Lock()
	hit, ok := c.keys[token]
	c.mu.Unlock()
	if ok && now.Before(hit.expires) {
		return hit.key, nil
	}
	k, err := db.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.keys) >= maxCachedKeys {
		clear(c.keys)
	}
	c.keys[token] = cachedKey{key: k, expires: now.Add(keyCacheTTL)}
	c.mu.Unlock()
	return k, nil
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
