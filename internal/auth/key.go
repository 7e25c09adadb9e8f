// Package auth makes and checks credentials: API keys (shown once, stored
// as a hash), invite tokens and webhook secrets.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// KeyPrefix starts every API key.
const KeyPrefix = "pn-"

// NewKey returns a new API key: "pn-" and 43 URL-safe random characters.
func NewKey() string { return KeyPrefix + RandomToken(32) }

// RandomToken returns n random bytes, base64url without padding.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the OS random source does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashKey is the stored form of a key or token. Keys carry 256 random bits,
// so a fast hash is enough: nothing to brute-force.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// KeyDisplayPrefix is the part of a key that may be shown again.
func KeyDisplayPrefix(key string) string {
	if len(key) <= 10 {
		return key
	}
	return key[:10]
}

// WellFormedKey reports whether s can be an API key at all.
func WellFormedKey(s string) bool {
	if !strings.HasPrefix(s, KeyPrefix) || len(s) < len(KeyPrefix)+32 || len(s) > 256 {
		return false
	}
	for _, c := range s[len(KeyPrefix):] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// NewWebhookSecret returns a Standard Webhooks secret ("whsec_" + base64 of
// 24 random bytes).
func NewWebhookSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}
