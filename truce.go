// Package truce holds the domain of a ceasefire monitoring service: signed
// statements, the members who make them and the keys they sign with, the
// rules of who may say what, and the interfaces that the storage and log
// adapters implement.
//
// # Statements
//
// Everything Truce records is a [Statement]: a DSSE envelope whose payload is
// a JSON document of one [Kind], signed with ed25519 by a key registered in
// the log. A statement's id is the SHA-256 of its canonical envelope bytes,
// which are also the bytes of its log entry.
//
// # Authority
//
// Whether a key may say something is decided by the charter and key
// statements that precede it in the log ([Authority]). The service checks
// before it appends, and the projector checks again in log order, so that a
// replay of the log always reaches the same verdicts.
//
// This package imports only the standard library.
package truce

import (
	"errors"
	"fmt"
)

// Error codes a user may see. The HTTP package maps each to a status.
const (
	ECONFLICT       = "conflict"        // the request conflicts with recorded state
	EINTERNAL       = "internal"        // a fault of ours; details are logged, not shown
	EINVALID        = "invalid"         // the input is malformed or breaks a rule
	ENOTFOUND       = "not_found"       // no such thing
	EUNAUTHORIZED   = "unauthorized"    // the signature or key does not check
	EFORBIDDEN      = "forbidden"       // the key is valid but may not say this
	ETOOLARGE       = "too_large"       // over a size limit
	EUNAVAILABLE    = "unavailable"     // try again later
	ENOTIMPLEMENTED = "not_implemented" // a known kind this version cannot handle yet
)

// Error is an error whose message may be shown to the user who caused it.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("truce error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-facing message of err: the message of its
// first *Error, or "Internal error." for anything else.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "Internal error."
	}
}
