package content

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Msg is a message for a person, left for the app to translate: the
// catalog key "err."+Code formatted with Args. An Arg that is itself a Msg
// is translated first, so a message can nest another (a caption's reason
// inside "caption %d: %s"). content never holds the words themselves: it
// does not know which language the reader speaks.
type Msg struct {
	Code string `json:"code"`
	Args []any  `json:"args,omitempty"`
}

func msg(code string, args ...any) Msg { return Msg{Code: code, Args: args} }

// String is the message for logs and the command line: its code and args.
func (m Msg) String() string {
	if len(m.Args) == 0 {
		return m.Code
	}
	return fmt.Sprint(m.Code, " ", m.Args)
}

// Messager is an error with a message for a person; the app translates it.
type Messager interface {
	error
	Message() Msg
}

// Error is an error of the domain's own, such as ErrNotFound: a distinct
// value for errors.Is, with a code the app translates and English text
// for the log.
type Error struct {
	Code string
	text string
}

func newError(code, text string) *Error { return &Error{Code: code, text: text} }

func (e *Error) Error() string { return e.text }

// Message is the error's code with no args.
func (e *Error) Message() Msg { return Msg{Code: e.Code} }

// ValidationError names the fields of an input that are wrong, with a
// message for each.
type ValidationError struct {
	Fields map[string]Msg
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k].String()
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// invalid is a ValidationError of one field.
func invalid(field string, m Msg) *ValidationError {
	return &ValidationError{Fields: map[string]Msg{field: m}}
}

// fieldErrors collects validation failures; nil when there are none.
type fieldErrors map[string]Msg

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}

// msgError is an error whose whole text is a message for a person.
type msgError struct{ m Msg }

func (e *msgError) Error() string { return e.m.String() }
func (e *msgError) Message() Msg  { return e.m }

// errMsg is an error carrying m, for functions whose callers put it in a
// field or show it whole.
func errMsg(code string, args ...any) error { return &msgError{msg(code, args...)} }

// messageOf is the message of err if it carries one.
func messageOf(err error) (Msg, bool) {
	var m Messager
	if errors.As(err, &m) {
		return m.Message(), true
	}
	return Msg{}, false
}
