package output

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/custos-dev/custos/internal/iostreams"
)

// A command's result is a struct whose exported fields are its columns,
// in order. The `json` tag names a field (the JSON key and CSV header; a
// field without one is left out, as is `json:"-"`); the `out` tag marks it
// for tables, as the Column fields do:
//
//	type grantRow struct {
//		ID       int64     `json:"id" out:"whole"`
//		Username string    `json:"username" out:"whole"`
//		Reason   string    `json:"reason" out:"wide"`
//		SHA256   string    `json:"sha256" out:"hash"`
//		At       time.Time `json:"at" out:"header=GRANTED"`
//	}
//
// A struct embedded without a json name lends its fields, in its place
// (a detailed row embeds the short one). WriteResult prints one such
// struct, NewResultList a stream of them. A
// result is never a list of positional values: the struct says which value
// is which field, once, for every format.

type schema struct {
	cols   []Column
	fields [][]int // index paths, for fields of embedded structs
	kinds  []plain
}

// plain is how a field is boxed for the writers: the common unnamed
// types by their own conversion (which allocates nothing for "", false
// and small integers), anything else through reflection.
type plain uint8

const (
	other plain = iota
	str
	boolean
	int64s
	ints
)

func plainOf(t reflect.Type) plain {
	switch t {
	case reflect.TypeFor[string]():
		return str
	case reflect.TypeFor[bool]():
		return boolean
	case reflect.TypeFor[int64]():
		return int64s
	case reflect.TypeFor[int]():
		return ints
	}
	return other
}

var schemas sync.Map // reflect.Type → *schema

func schemaFor(t reflect.Type) *schema {
	if s, ok := schemas.Load(t); ok {
		return s.(*schema)
	}
	if t.Kind() != reflect.Struct {
		panic("output: a result is a struct, not " + t.String())
	}
	s := &schema{}
	s.add(t, nil)
	v, _ := schemas.LoadOrStore(t, s)
	return v.(*schema)
}

// add appends the fields of struct type t, reached through path; the
// fields of an embedded struct without a json name of its own take its
// place, in order, as encoding/json flattens them.
func (s *schema) add(t reflect.Type, path []int) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && f.Type.Kind() == reflect.Struct && name == "" {
			s.add(f.Type, append(slices.Clip(path), i))
			continue
		}
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		c := Column{Name: name}
		if tag := f.Tag.Get("out"); tag != "" {
			for _, opt := range strings.Split(tag, ",") {
				switch {
				case opt == "whole":
					c.Whole = true
				case opt == "wide":
					c.Wide = true
				case opt == "hash":
					c.Hash = true
				case strings.HasPrefix(opt, "header="):
					c.Header = strings.TrimPrefix(opt, "header=")
				default:
					panic(fmt.Sprintf("output: %s.%s: unknown out option %q", t, f.Name, opt))
				}
			}
		}
		s.cols = append(s.cols, c)
		s.fields = append(s.fields, append(slices.Clip(path), i))
		s.kinds = append(s.kinds, plainOf(f.Type))
	}
}

func (s *schema) values(dst []any, v reflect.Value) []any {
	dst = dst[:0]
	for k, i := range s.fields {
		f := v.Field(i[0])
		for _, j := range i[1:] {
			f = f.Field(j)
		}
		switch s.kinds[k] {
		case str:
			dst = append(dst, f.String())
		case boolean:
			dst = append(dst, f.Bool())
		case int64s:
			dst = append(dst, f.Int())
		case ints:
			dst = append(dst, int(f.Int()))
		default:
			dst = append(dst, f.Interface())
		}
	}
	return dst
}

// ResultColumns returns the columns of the result type T.
func ResultColumns[T any]() []Column {
	return schemaFor(reflect.TypeFor[T]()).cols
}

// WriteResult writes one result as WriteObject writes its fields: a JSON
// object, a CSV header and row, or on a table a list of fields and values.
func WriteResult[T any](ios *iostreams.IOStreams, f Format, r T) error {
	s := schemaFor(reflect.TypeFor[T]())
	return WriteObject(ios, f, s.cols, s.values(nil, reflect.ValueOf(r))...)
}

// ResultList streams results of type T as NewList streams rows.
type ResultList[T any] struct {
	w   RowWriter
	s   *schema
	buf []any
}

// NewResultList returns a writer for a list of results in the format.
func NewResultList[T any](ios *iostreams.IOStreams, f Format) *ResultList[T] {
	s := schemaFor(reflect.TypeFor[T]())
	return &ResultList[T]{w: NewList(ios, f, s.cols), s: s, buf: make([]any, 0, len(s.cols))}
}

// Write writes one result.
func (l *ResultList[T]) Write(r *T) error {
	l.buf = l.s.values(l.buf, reflect.ValueOf(r).Elem())
	return l.w.Row(l.buf...)
}

// Close ends the list.
func (l *ResultList[T]) Close() error { return l.w.Close() }

// ResultObject returns r as an Object, its fields in order, for a result
// nested in another.
func ResultObject[T any](r T) Object {
	s := schemaFor(reflect.TypeFor[T]())
	return ObjectOf(s.cols, s.values(nil, reflect.ValueOf(r))...)
}
