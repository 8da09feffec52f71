//go:build nojq

package jq

import (
	"errors"
	"io"
)

// Query is never made in this build: bench/jq-startup.sh builds custos
// with -tags nojq to time start-up without gojq linked.
type Query struct{}

// Parse refuses: this build has no jq.
func Parse(string) (*Query, error) { return nil, errors.New("this build has no jq (-tags nojq)") }

// Run is never called.
func (*Query) Run([]byte, io.Writer, func(string) string, func([]byte) []byte) error { return nil }
