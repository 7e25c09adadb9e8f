package webhook

import (
	"math/rand/v2"
	"time"
)

// RetryWindow is how long a delivery keeps being retried ("about a day").
const RetryWindow = 24 * time.Hour

// Backoff is the wait after the n-th failed attempt (n ≥ 1): 5 s doubling
// up to 1 h, with ±20% jitter so that a receiver coming back is not hit by
// every delivery at once.
func Backoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return d - d/5 + time.Duration(rand.Int64N(int64(d)*2/5+1))
}

// NextAttempt is when to try again after the n-th failed attempt of a
// retry window that began at since; ok is false once the window is over.
func NextAttempt(n int, since, now time.Time) (time.Time, bool) {
	at := now.Add(Backoff(n))
	if at.After(since.Add(RetryWindow)) {
		return time.Time{}, false
	}
	return at, true
}
