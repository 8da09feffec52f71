package records

import (
	"bufio"
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

// FuzzReadRecords reads arbitrary bytes as a records import (CSV or JSON
// Lines): it never panics, every error is an invalid-input error, every
// record handed over is valid, and the pipelined reader the import uses
// hands over the same records and the same error as the plain one.
func FuzzReadRecords(f *testing.F) {
	for _, s := range []string{
		"",
		"\n \t\r\n",
		"class,created,subject\nvoice,2020-01-01T00:00:00Z,acme\n",
		"\ufeffclass,created_at,subject,location,size,sha256\r\nvoice,2026-11-01,s, /srv/a.wav ,12," + strings.Repeat("a", 64) + "\r\n",
		"class,created\nvoice,\n",
		"class,created,size\nvoice,2020-01-01,-1\nvoice,2020-01-01,x\n",
		"class,created,class\n",
		"subject\nacme\n",
		"class,created\n\"voice\n",
		"class,created,subject\nvoice,2020-01-01,'=1+1\n",
		`{"class":"voice","created":"2026-11-01"}` + "\n",
		`{"class":"voice","created_at":"2026-11-01T09:14:00+02:00","subject":"s","size":3}` + "\n\n" + `{"class":"email","created":"2020-02-29"}`,
		`{"class":"voice","created":"2026-11-01"} ,` + "\n",
		`{"class":"voice","created":"2026-11-01"}{"class":"voice"}` + "\n",
		`{"class":"voice","created":"2026-11-01","extra":1}` + "\n",
		`{"class":"voice","created":"2026-11-01","size":1e99}` + "\n",
		`{"class":"","created":"yesterday"}` + "\n",
		"{\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []*records.Record
		err := readRecords(bufio.NewReader(bytes.NewReader(data)), "f", func(r *records.Record) error {
			if err := records.Validate(r); err != nil {
				t.Fatalf("an invalid record was handed over: %+v: %v", r, err)
			}
			if r.CreatedAt.IsZero() {
				t.Fatalf("a record without its creation time: %+v", r)
			}
			got = append(got, r)
			return nil
		})
		if err != nil && errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("%v (code %v), want an invalid-input error", err, errs.CodeOf(err))
		}
		var piped []*records.Record
		perr := pipeRecords(bufio.NewReader(bytes.NewReader(data)), "f", func(r *records.Record) error {
			piped = append(piped, r)
			return nil
		})
		if (err == nil) != (perr == nil) || (err != nil && err.Error() != perr.Error()) {
			t.Fatalf("read: %v; piped: %v", err, perr)
		}
		if err == nil && !reflect.DeepEqual(got, piped) {
			t.Fatalf("read %d records, piped %d, or they differ", len(got), len(piped))
		}
	})
}
