package cmdutil

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/jq"
	"github.com/custos-dev/custos/internal/output"
)

// jsonFields is --json FIELDS and --jq EXPR: the command writes its JSON
// into a buffer, and only the named fields, in that order, reach stdout,
// as gh's --json does; then, with --jq, what the expression makes of
// them.
type jsonFields struct {
	// set is true once the -o flags have configured the capture.
	set    bool
	fields []string
	jq     string
	query  *jq.Query
	buf    bytes.Buffer
	out    io.Writer
}

// parse parses --jq before the command runs: a bad expression is
// invalid input (exit 2) that changes nothing.
func (j *jsonFields) parse() error {
	if strings.TrimSpace(j.jq) == "" {
		return errs.Invalidf("--jq needs an expression, as in --jq '.[].username'")
	}
	q, err := jq.Parse(j.jq)
	if err != nil {
		return errs.Invalidf("--jq %q: %v", j.jq, err).WithHint("the expression is jq's language: https://jqlang.org/manual/")
	}
	j.query = q
	return nil
}

// capture sends the command's output to the buffer from now on.
func (j *jsonFields) capture(f *Factory) {
	if j.out != nil {
		return
	}
	j.out = f.IO.Out
	f.IO.Out = &j.buf
}

// FinishOutput writes what --json captured, reduced to its fields; Main
// calls it once a command has succeeded. An unknown field is invalid
// input (exit 2) naming the fields there are.
func (f *Factory) FinishOutput() error {
	j := f.json
	if j != nil && j.out != nil {
		f.IO.Out = j.out
	}
	if err := f.IO.OutputErr(); err != nil {
		// A command that never entered the pipeline, which refuses it.
		return err
	}
	if j == nil || j.out == nil {
		_, err := f.finishDryRun(nil)
		return err
	}
	b := j.buf.Bytes()
	var err error
	if j.fields != nil {
		if b, err = selectFields(b, j.fields); err != nil {
			return err
		}
	}
	if b, err = f.finishDryRun(b); err != nil {
		return err
	}
	if j.query != nil {
		if err := j.query.Run(b, f.IO.Out, output.Sanitize, output.EscapeJSON); err != nil {
			return errs.Invalidf("--jq: %v", err)
		}
		return nil
	}
	_, err = f.IO.Out.Write(b)
	return err
}

// DropOutput forgets what --json captured, for a command that failed.
func (f *Factory) DropOutput() {
	if j := f.json; j != nil && j.out != nil {
		f.IO.Out = j.out
	}
}

// selectFields keeps fields of every object in doc: one JSON array, one
// object, or JSON Lines, written back in the same shape. The values are
// copied as they were written, nested objects included.
func selectFields(doc []byte, fields []string) ([]byte, error) {
	seen := map[string]bool{}
	pick := func(raw json.RawMessage) ([]byte, error) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return raw, nil // not an object: as it is
		}
		for k := range obj {
			seen[k] = true
		}
		out := output.Object{}
		for _, name := range fields {
			if val, ok := obj[name]; ok {
				out = append(out, output.Field{Key: name, Value: val})
			}
		}
		return out.MarshalJSON()
	}
	b, err := eachObject(doc, "--json", pick)
	if err != nil {
		return nil, err
	}
	for _, name := range fields {
		if len(seen) > 0 && !seen[name] {
			have := make([]string, 0, len(seen))
			for k := range seen {
				have = append(have, k)
			}
			slices.Sort(have)
			return nil, errs.Invalidf("--json: no field %q", name).WithHint("the fields are %s", strings.Join(have, ", "))
		}
	}
	return b, nil
}

// eachObject rewrites every value of doc (one JSON array, one value, or
// JSON Lines) with fn, item by item for an array, and writes the document
// back in the same shape. what names the flag in the error for output
// that does not parse.
func eachObject(doc []byte, what string, fn func(json.RawMessage) ([]byte, error)) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	var values []json.RawMessage
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, errs.Wrap(errs.Internal, err, "%s: the command's JSON does not parse: %v", what, err)
		}
		values = append(values, v)
	}
	var b []byte
	for _, v := range values {
		var list []json.RawMessage
		if len(values) == 1 && json.Unmarshal(v, &list) == nil {
			b = append(b, '[')
			for k, item := range list {
				line, err := fn(item)
				if err != nil {
					return nil, err
				}
				if k > 0 {
					b = append(b, ',')
				}
				b = append(append(b, "\n  "...), line...)
			}
			if len(list) > 0 {
				b = append(b, '\n')
			}
			b = append(b, "]\n"...)
			continue
		}
		line, err := fn(v)
		if err != nil {
			return nil, err
		}
		b = append(append(b, line...), '\n')
	}
	return b, nil
}
