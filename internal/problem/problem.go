// Package problem holds the error type every layer returns for failures a
// client should see: validation errors, missing objects, missing rights.
// The HTTP layer maps each Kind to a status code and a body shape.
package problem

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the HTTP layer.
type Kind int

// Kinds of problems, each with one HTTP status.
const (
	Internal     Kind = iota // 500
	Invalid                  // 400, validation envelope
	NotFound                 // 404
	Forbidden                // 403
	Unauthorized             // 401
	TooLarge                 // 413
	Conflict                 // 409
)

// Detail names one problem of a request: the request field (Name) or the
// nested object's api_name (APIName), and the reason.
type Detail struct {
	Reason  string `json:"reason"`
	Name    string `json:"name,omitempty"`
	APIName string `json:"api_name,omitempty"`
}

// Error is a problem a client may see. Message is the first problem, written
// for a person; Details lists every problem found (the first matches Message).
type Error struct {
	Kind    Kind
	Message string
	Details []Detail
}

func (e *Error) Error() string { return e.Message }

// First returns the first detail (empty when there is none).
func (e *Error) First() Detail {
	if len(e.Details) == 0 {
		return Detail{Reason: e.Message}
	}
	return e.Details[0]
}

// Invalidf is a validation error that names no field.
func Invalidf(format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: Invalid, Message: msg, Details: []Detail{{Reason: msg}}}
}

// Field is a validation error about the request field name.
func Field(name, message string) *Error {
	return &Error{Kind: Invalid, Message: message, Details: []Detail{{Reason: message, Name: name}}}
}

// APIName is a validation error about the nested object with this api_name.
func APIName(apiName, message string) *Error {
	return &Error{Kind: Invalid, Message: message, Details: []Detail{{Reason: message, APIName: apiName}}}
}

// Notfound is the answer for unknown ids and other accounts' objects alike.
func Notfound() *Error { return &Error{Kind: NotFound, Message: "Not found."} }

// Forbid is an authenticated caller without the right.
func Forbid(why string) *Error { return &Error{Kind: Forbidden, Message: why} }

// List collects validation details; Err returns nil when nothing was added.
type List struct{ Details []Detail }

// Add records one problem.
func (l *List) Add(d Detail) { l.Details = append(l.Details, d) }

// AddName records a problem about a request field.
func (l *List) AddName(name, reason string) { l.Add(Detail{Reason: reason, Name: name}) }

// AddAPIName records a problem about a nested object.
func (l *List) AddAPIName(apiName, reason string) { l.Add(Detail{Reason: reason, APIName: apiName}) }

// Err turns the list into an *Error, or nil when empty.
func (l *List) Err() error {
	if len(l.Details) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: l.Details[0].Reason, Details: l.Details}
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var p *Error
	ok := errors.As(err, &p)
	return p, ok
}

// Is reports whether err is a problem of this kind.
func Is(err error, k Kind) bool {
	p, ok := As(err)
	return ok && p.Kind == k
}
