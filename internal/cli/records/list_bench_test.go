package records

import (
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
)

// The rows of records list, written by the typed result writer as
// listRun does, beside the positional rows it replaced (Cols + Row), into
// a buffer: the cost per row of naming the fields once in a struct.
func BenchmarkListRows(b *testing.B) {
	r := &records.Record{ID: 4711, Class: "voice", CreatedAt: time.Date(2026, 11, 2, 9, 14, 0, 0, time.UTC), Subject: "acme",
		Location: "/srv/calls/2026/11/02/0914-acme.wav", Size: 123456,
		SHA256:  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		AddedAt: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), AddedBy: "ana"}
	cols := output.Hashes(output.WideOnly(output.Whole(
		output.Cols("id", "class", "created_at", "subject", "location", "size", "sha256", "added_at", "added_by"),
		"class", "subject"), "size", "added_at", "added_by"), "sha256")
	for _, format := range []output.Format{output.JSONL, output.CSV} {
		b.Run(string(format)+"/positional", func(b *testing.B) {
			ios, _, out, _ := iostreams.Test()
			w := output.NewList(ios, format, cols)
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Row(r.ID, r.Class, r.CreatedAt, r.Subject, r.Location, r.Size, r.SHA256, r.AddedAt, r.AddedBy); err != nil {
					b.Fatal(err)
				}
				if out.Len() > 1<<20 {
					out.Reset()
				}
			}
		})
		b.Run(string(format)+"/typed", func(b *testing.B) {
			ios, _, out, _ := iostreams.Test()
			w := output.NewResultList[RecordResult](ios, format)
			var res RecordResult
			b.ReportAllocs()
			for b.Loop() {
				res = recordResult(r)
				if err := w.Write(&res); err != nil {
					b.Fatal(err)
				}
				if out.Len() > 1<<20 {
					out.Reset()
				}
			}
		})
	}
}
