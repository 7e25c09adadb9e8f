// Package api holds the OpenAPI 3.1 description of the HTTP API
// (openapi.json) and the reference page rendered from it. The file is kept
// in the repository so that clients, reviewers and CI read exactly what the
// binary serves at /openapi.json; gen/ writes it (go generate ./api) and a
// test fails while the two disagree.
package api

import _ "embed"

//go:generate go run ./gen -o openapi.json

// Spec is the OpenAPI description, as served at GET /openapi.json.
//
//go:embed openapi.json
var Spec []byte
