// Package blob keeps attachment bytes: Dir in a folder on local disk (the
// default), S3 in an S3-compatible bucket. Both stream: no object is ever
// held whole in memory.
package blob

import "errors"

// ErrNotFound is returned by Open for a key that holds nothing.
var ErrNotFound = errors.New("blob: not found")

// ErrSize is returned by Put when the reader did not yield exactly the
// announced number of bytes; nothing is stored then.
var ErrSize = errors.New("blob: size mismatch")
