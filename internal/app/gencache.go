package app

import "sync"

// genCache keeps what was read of rows that change only through ordinary
// writes (keys, users, templates), valid while the store's generation is
// the one it was read at (store.DB.Generation; SQLite only). Any such write
// empties it; workflow changes, the bulk of the writes, leave it alone.
type genCache[K comparable, V any] struct {
	mu  sync.Mutex
	gen int64
	m   map[K]V
}

// genCacheMax bounds a cache; past it the cache starts over.
const genCacheMax = 10000

// get answers a value read at generation gen.
func (c *genCache[K, V]) get(gen int64, k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	if !ok || c.gen != gen {
		var zero V
		return zero, false
	}
	return v, true
}

// put keeps v, read after the generation was gen.
func (c *genCache[K, V]) put(gen int64, k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return // read before a newer write: stale already
	}
	if gen > c.gen || c.m == nil || len(c.m) >= genCacheMax {
		c.gen, c.m = gen, make(map[K]V)
	}
	c.m[k] = v
}

// peek answers the value of k whatever generation it was read at, and
// that generation: for callers that confirm it themselves.
func (c *genCache[K, V]) peek(k K) (V, int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, c.gen, ok
}
