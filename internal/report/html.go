package report

import (
	"encoding/json"
	"fmt"
	"html/template"
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
func (r *Report) HTML(w io.Writer) error {
	return page.Execute(w, r)
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"svg": func(c Chart, id string) template.HTML {
		// SVG escapes every string it draws.
		return template.HTML(SVG(c, id))
	},
	"drawable": drawable,
	"links":    func(seqs []int64) []int64 { return seqs[:min(len(seqs), MaxLinks)] },
	"more":     func(seqs []int64) int { return max(0, len(seqs)-MaxLinks) },
	"day":      func(t time.Time) string { return t.Format(time.DateOnly) },
	"stamp":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"last":     func(t time.Time) string { return t.AddDate(0, 0, -1).Format(time.DateOnly) },
	"rate": func(f Figure) string {
		if f.Of == 0 {
			return fmt.Sprint(f.Value)
		}
		return fmt.Sprintf("%d of %d (%.0f%%)", f.Value, f.Of, float64(100*f.Value)/float64(f.Of))
	},
	"short":   func(h string) string { return h[:min(len(h), 16)] },
	"objects": func(o []string) string { return strings.Join(o, " ") },
	"chartid": func(s Section, i int) string { return fmt.Sprintf("c-%s-%d", s.Key, i) },
}).Parse(pageTemplate))

const pageTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root { color-scheme: light; }
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
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p class="meta">Period {{day .Period.From}} to {{last .Period.To}} (UTC) · generated {{stamp .GeneratedAt}} by {{.GeneratedBy}} · computed against audit entry <a href="#e{{.Head.Seq}}">{{.Head.Seq}}</a>, hash <code>{{.Head.Hash}}</code></p>
<p class="meta">Every figure lists the audit entries it counts; the numbers link to the list at the end. This file's SHA-256 is recorded in the audit entry of the command that wrote it: <code>custos audit log --object report:SHA256</code> finds it.</p>
<nav><ol>{{range .Sections}}<li><a href="#{{.Key}}">{{.Title}}</a></li>{{end}}<li><a href="#entries">Audit entries traced</a></li></ol></nav>
</header>
{{range $s := .Sections}}
<section id="{{$s.Key}}">
<h2>{{$s.Title}}</h2>
{{range $s.Missing}}<p class="missing">Not reported: {{.}}</p>{{end}}
{{if $s.Figures}}<div class="figures">
{{range $s.Figures}}<div class="figure" id="f-{{.Key}}"><span class="value">{{rate .}}</span><span class="label">{{.Label}}</span>{{if .Goal}}<span class="trace">goal {{.Goal}}%</span>{{end}}<span class="trace">audit entries:{{range links .Seqs}} <a href="#e{{.}}">{{.}}</a>{{else}} none{{end}}{{with more .Seqs}} and {{.}} more (all in -o json){{end}}</span></div>
{{end}}</div>{{end}}
{{range $i, $c := $s.Charts}}
<figure class="chart">
<h3>{{$c.Title}}</h3>
{{if drawable $c}}{{svg $c (chartid $s $i)}}{{else}}<p class="nodata">Nothing to draw in this period.</p>{{end}}
<figcaption>{{$c.Alt}}</figcaption>
</figure>
{{end}}
{{range $s.Tables}}
<h3>{{.Title}}</h3>
<table id="t-{{.Key}}">
<thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}<th>audit entries</th></tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .Cells}}<td{{if eq (len .) 64}} class="hash"{{end}}>{{.}}</td>{{end}}<td class="trace">{{range links .Seqs}}<a href="#e{{.}}">{{.}}</a> {{else}}none{{end}}{{with more .Seqs}}and {{.}} more{{end}}</td></tr>
{{else}}<tr><td colspan="{{len .Columns}}">none</td><td></td></tr>
{{end}}</tbody>
</table>
{{end}}
</section>
{{end}}
<div class="appendix" id="entries">
<h2>Audit entries traced</h2>
<p>Each entry as the log holds it; <code>custos audit log --object OBJECT</code> shows an object's whole history, and <code>custos audit verify</code> re-computes every hash.</p>
<table class="entries">
<thead><tr><th>seq</th><th>time (UTC)</th><th>operator</th><th>command</th><th>objects</th><th>hash</th></tr></thead>
<tbody>
{{range .Entries}}<tr id="e{{.Seq}}"><td>{{.Seq}}</td><td>{{stamp .At}}</td><td>{{.Operator}}</td><td>{{.Command}}</td><td>{{objects .Objects}}</td><td class="hash">{{short .Hash}}…</td></tr>
{{end}}</tbody>
</table>
</div>
</body>
</html>
`
