package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// MaxLinks is how many sequence numbers the HTML links per figure or row;
// the JSON always carries all of them.
const MaxLinks = 12

// Linked are the sequence numbers the HTML links to, which its appendix
// must list: up to MaxLinks per figure and row.
func (r *Report) Linked() []int64 {
	var all []int64
	for _, s := range r.Sections {
		for _, f := range s.Figures {
			all = append(all, f.Seqs[:min(len(f.Seqs), MaxLinks)]...)
		}
		for _, t := range s.Tables {
			for _, row := range t.Rows {
				all = append(all, row.Seqs[:min(len(row.Seqs), MaxLinks)]...)
			}
		}
	}
	return norm(all)
}

// JSON writes the report as indented JSON.
func (r *Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// HTML writes the report as one self-contained HTML page: no scripts, no
// external resources, charts as inline SVG, a print stylesheet for A4.
// Every string from the store is escaped. It is written by hand rather
// than with html/template: that package's reflection makes the linker keep
// every exported method in the binary (3.4 MB more, stripped), for one
// page of fixed shape.
func (r *Report) HTML(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	p("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n", esc(r.Title), css)
	p("<h1>%s</h1>\n", esc(r.Title))
	p("<p class=\"meta\">Period %s to %s (UTC) · generated %s by %s · computed against audit entry <a href=\"#e%d\">%d</a>, hash <code>%s</code></p>\n",
		r.Period.From.Format(time.DateOnly), r.Period.To.AddDate(0, 0, -1).Format(time.DateOnly), stamp(r.GeneratedAt), esc(r.GeneratedBy), r.Head.Seq, r.Head.Seq, esc(r.Head.Hash))
	p("<p class=\"meta\">Every figure lists the audit entries it counts; the numbers link to the list at the end. This file's SHA-256 is recorded in the audit entry of the command that wrote it: <code>custos audit log --object report:SHA256</code> finds it.</p>\n")
	p("<nav><ol>")
	for _, s := range r.Sections {
		p("<li><a href=\"#%s\">%s</a></li>", esc(s.Key), esc(s.Title))
	}
	p("<li><a href=\"#entries\">Audit entries traced</a></li></ol></nav>\n</header>\n")
	for _, s := range r.Sections {
		p("<section id=\"%s\">\n<h2>%s</h2>\n", esc(s.Key), esc(s.Title))
		for _, m := range s.Missing {
			p("<p class=\"missing\">Not reported: %s</p>\n", esc(m))
		}
		if len(s.Figures) > 0 {
			p("<div class=\"figures\">\n")
			for _, f := range s.Figures {
				p("<div class=\"figure\" id=\"f-%s\"><span class=\"value\">%s</span><span class=\"label\">%s</span>", esc(f.Key), rate(f), esc(f.Label))
				if f.Goal > 0 {
					p("<span class=\"trace\">goal %d%%</span>", f.Goal)
				}
				p("<span class=\"trace\">audit entries:")
				links(&b, f.Seqs, " ", " none")
				if n := len(f.Seqs) - MaxLinks; n > 0 {
					p(" and %d more (all in -o json)", n)
				}
				p("</span></div>\n")
			}
			p("</div>\n")
		}
		for i, c := range s.Charts {
			p("<figure class=\"chart\">\n<h3>%s</h3>\n", esc(c.Title))
			if drawable(c) {
				b.WriteString(SVG(c, fmt.Sprintf("c-%s-%d", esc(s.Key), i)))
				b.WriteString("\n")
			} else {
				p("<p class=\"nodata\">Nothing to draw in this period.</p>\n")
			}
			p("<figcaption>%s</figcaption>\n</figure>\n", esc(c.Alt))
		}
		for _, t := range s.Tables {
			p("<h3>%s</h3>\n<table id=\"t-%s\">\n<thead><tr>", esc(t.Title), esc(t.Key))
			for _, c := range t.Columns {
				p("<th>%s</th>", esc(c))
			}
			p("<th>audit entries</th></tr></thead>\n<tbody>\n")
			for _, row := range t.Rows {
				p("<tr>")
				for _, c := range row.Cells {
					if len(c) == 64 {
						p("<td class=\"hash\">%s</td>", esc(c))
					} else {
						p("<td>%s</td>", esc(c))
					}
				}
				p("<td class=\"trace\">")
				links(&b, row.Seqs, "", "none")
				if n := len(row.Seqs) - MaxLinks; n > 0 {
					p(" and %d more", n)
				}
				p("</td></tr>\n")
			}
			if len(t.Rows) == 0 {
				p("<tr><td colspan=\"%d\">none</td><td></td></tr>\n", len(t.Columns))
			}
			p("</tbody>\n</table>\n")
		}
		p("</section>\n")
	}
	p("<div class=\"appendix\" id=\"entries\">\n<h2>Audit entries traced</h2>\n")
	p("<p>Each entry as the log holds it; <code>custos audit log --object OBJECT</code> shows an object's whole history, and <code>custos audit verify</code> re-computes every hash.</p>\n")
	p("<table class=\"entries\">\n<thead><tr><th>seq</th><th>time (UTC)</th><th>operator</th><th>command</th><th>objects</th><th>hash</th></tr></thead>\n<tbody>\n")
	for _, e := range r.Entries {
		p("<tr id=\"e%d\"><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"hash\">%s…</td></tr>\n",
			e.Seq, e.Seq, stamp(e.At), esc(e.Operator), esc(e.Command), esc(strings.Join(e.Objects, " ")), esc(e.Hash[:min(len(e.Hash), 16)]))
	}
	p("</tbody>\n</table>\n</div>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// links writes up to MaxLinks links to entries, each after sep, or none
// when there are no entries.
func links(b *strings.Builder, seqs []int64, sep, none string) {
	if len(seqs) == 0 {
		b.WriteString(none)
		return
	}
	for i, s := range seqs[:min(len(seqs), MaxLinks)] {
		if i > 0 || sep != "" {
			b.WriteString(" ")
		}
		fmt.Fprintf(b, "<a href=\"#e%d\">%d</a>", s, s)
	}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// rate is a figure's value, with its share of the whole when it has one.
func rate(f Figure) string {
	if f.Of == 0 {
		return fmt.Sprint(f.Value)
	}
	return fmt.Sprintf("%d of %d (%.0f%%)", f.Value, f.Of, float64(100*f.Value)/float64(f.Of))
}

// css is the page's stylesheet: screen, and A4 print (each section on a
// new page, no table row, figure or chart cut in two).
const css = `:root { color-scheme: light; }
body { font: 14px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; background: #fff; margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #1d3557; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.meta { color: #444; margin: 0 0 1rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .6rem; margin: .8rem 0; }
.figure { border: 1px solid #999; border-radius: 4px; padding: .5rem .6rem; break-inside: avoid; }
.figure .value { font-size: 1.6rem; font-weight: bold; display: block; }
.figure .label { display: block; }
.trace { font-size: .75rem; color: #333; word-break: break-all; }
span.trace { display: block; margin-top: .25rem; }
.trace a { color: #1d3557; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .85rem; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #e8e8e8; }
td.hash { font-family: "DejaVu Sans Mono", monospace; font-size: .72rem; word-break: break-all; }
figure.chart { margin: .8rem 0 1.2rem; break-inside: avoid; }
figure.chart svg { width: 100%; height: auto; border: 1px solid #ccc; }
figure.chart figcaption { font-size: .8rem; color: #333; }
svg .grid { stroke: #bbb; stroke-width: .6; }
svg .axis, svg .legend text { font: 11px "DejaVu Sans", Arial, sans-serif; fill: #111; }
.missing { border-left: 4px solid #b5482f; background: #f6f6f6; padding: .4rem .7rem; margin: .5rem 0; }
.nodata { font-style: italic; color: #333; }
.entries td { font-size: .75rem; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  section, .appendix { break-before: page; }
  h2, h3 { break-after: avoid; }
  table, tr, .figure, figure.chart { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
`
