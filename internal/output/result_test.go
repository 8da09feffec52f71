package output

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/iostreams"
)

type testResult struct {
	ID       int64     `json:"id" out:"whole"`
	Name     string    `json:"name"`
	Note     string    `json:"note" out:"wide"`
	SHA256   string    `json:"sha256" out:"hash"`
	At       time.Time `json:"at" out:"header=WHEN"`
	Roles    []string  `json:"roles"`
	hidden   string
	Skipped  string `json:"-"`
	Untagged string
}

func TestResultColumnsComeFromTags(t *testing.T) {
	got := ResultColumns[testResult]()
	want := []Column{{Name: "id", Whole: true}, {Name: "name"}, {Name: "note", Wide: true},
		{Name: "sha256", Hash: true}, {Name: "at", Header: "WHEN"}, {Name: "roles"}}
	if len(got) != len(want) {
		t.Fatalf("columns %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A result prints exactly as the same values given positionally, in
// every format: the struct only says which value is which field.
func TestResultPrintsAsItsFields(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 5, time.UTC)
	r := testResult{ID: 7, Name: "ana", Note: "line\x1b", SHA256: strings.Repeat("ab", 32), At: at, Roles: []string{"it", "auditor"}, hidden: "x", Skipped: "y", Untagged: "z"}
	cols := ResultColumns[testResult]()
	vals := []any{r.ID, r.Name, r.Note, r.SHA256, r.At, r.Roles}
	for _, f := range []Format{Table, JSON, JSONL, CSV} {
		ios, _, want, _ := iostreams.Test()
		if err := WriteObject(ios, f, cols, vals...); err != nil {
			t.Fatal(err)
		}
		ios2, _, got, _ := iostreams.Test()
		if err := WriteResult(ios2, f, r); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: WriteResult\n%s\nWriteObject\n%s", f, got, want)
		}

		ios, _, want, _ = iostreams.Test()
		lw := NewList(ios, f, cols)
		ios2, _, got, _ = iostreams.Test()
		rl := NewResultList[testResult](ios2, f)
		for range 3 {
			if err := lw.Row(vals...); err != nil {
				t.Fatal(err)
			}
			if err := rl.Write(&r); err != nil {
				t.Fatal(err)
			}
		}
		if err := lw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := rl.Close(); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s list: NewResultList\n%s\nNewList\n%s", f, got, want)
		}
		if strings.Contains(got.String(), "hidden") || strings.Contains(got.String(), "Untagged") {
			t.Errorf("%s: a field without a json name printed:\n%s", f, got)
		}
	}
	o, err := ResultObject(r).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(o), `{"id":7,"name":"ana",`) || !strings.Contains(string(o), `"roles":["it","auditor"]`) {
		t.Errorf("ResultObject = %s", o)
	}
}

func TestResultWithUnknownOutOptionPanics(t *testing.T) {
	type bad struct {
		A string `json:"a" out:"wholly"`
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown out option did not panic")
		}
	}()
	ResultColumns[bad]()
}

func BenchmarkResultRow(b *testing.B) {
	ios, _, _, _ := iostreams.Test()
	l := NewResultList[testResult](ios, JSONL)
	r := testResult{ID: 7, Name: "ana", Roles: []string{"it"}}
	b.ReportAllocs()
	for range b.N {
		l.s.values(l.buf, reflect.ValueOf(&r).Elem())
	}
}

// An embedded result lends its fields in its place, as encoding/json
// flattens them.
func TestResultEmbeddedFieldsAreFlattened(t *testing.T) {
	type detail struct {
		testResult
		By string `json:"by" out:"wide"`
	}
	got := ResultColumns[detail]()
	if len(got) != 7 || got[0].Name != "id" || !got[0].Whole || got[5].Name != "roles" || got[6] != (Column{Name: "by", Wide: true}) {
		t.Fatalf("columns %+v", got)
	}
	r := detail{testResult{ID: 3, Name: "ana"}, "ivan"}
	o, err := ResultObject(r).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(o), `{"id":3,"name":"ana",`) || !strings.HasSuffix(string(o), `"by":"ivan"}`) {
		t.Errorf("ResultObject = %s", o)
	}
}
