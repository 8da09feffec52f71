//go:build !nojq

// Package jq runs a jq expression over a command's JSON output: --jq, as
// gh has it, with gojq (a jq implementation in Go) rather than a
// hand-written subset.
//
// Go initialises every package a binary links, used or not, so gojq's
// own initialisation (its builtins, parsed ahead of time into some 2,300
// Go values, and its function table) runs in every command, --jq or not:
// about 0.2 ms a start (bench/jq-startup.sh measures it; building with
// -tags nojq leaves gojq out, for that comparison).
package jq

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/itchyny/gojq"
)

// Query is a parsed and compiled jq expression.
type Query struct {
	code *gojq.Code
}

// Parse parses and compiles expr; the error is one line saying what is
// wrong with it.
func Parse(expr string) (*Query, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, oneLine(err)
	}
	code, err := gojq.Compile(q, gojq.WithEnvironLoader(func() []string { return nil }))
	if err != nil {
		return nil, oneLine(err)
	}
	return &Query{code: code}, nil
}

// Run decodes doc, a JSON value or a stream of them (JSON Lines), runs
// the query on each, and writes each result on a line of its own: a
// string as it is, passed through text (which escapes what could drive a
// terminal), anything else as compact JSON passed through escape.
func (q *Query) Run(doc []byte, w io.Writer, text func(string) string, escape func([]byte) []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var out bytes.Buffer
	for {
		var v any
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("the command's JSON does not parse: %w", err)
		}
		iter := q.code.Run(v)
		for {
			r, ok := iter.Next()
			if !ok {
				break
			}
			if err, ok := r.(error); ok {
				var halt *gojq.HaltError
				if errors.As(err, &halt) && halt.Value() == nil {
					break
				}
				out.WriteTo(w)
				return oneLine(err)
			}
			if s, ok := r.(string); ok {
				out.WriteString(text(s))
			} else {
				b, err := gojq.Marshal(r)
				if err != nil {
					return err
				}
				out.Write(escape(b))
			}
			out.WriteByte('\n')
			if out.Len() >= 64<<10 {
				if _, err := out.WriteTo(w); err != nil {
					return err
				}
			}
		}
	}
	_, err := out.WriteTo(w)
	return err
}

// oneLine keeps an error to its first line: gojq reports a parse error
// with the expression and a caret on lines of their own.
func oneLine(err error) error {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return errors.New(msg)
}
