package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// palette has one fill per series, of clearly different lightness (about
// 20, 45, 65 and 88 L*), so the series stay apart printed in grey; the
// legend and the text alternative name them as well.
var palette = []string{"#1d3557", "#b5482f", "#d9a441", "#dbe9f4"}

// Chart geometry, in SVG user units (the SVG scales to the page width).
const (
	chartW, chartH            = 640.0, 250.0
	padL, padR, padT, padB    = 48.0, 12.0, 28.0, 56.0
	legendH                   = 18.0
	plotW                     = chartW - padL - padR
	plotH                     = chartH - padT - padB
	maxLabel                  = 14
	markClass, gridClass      = "mark", "grid"
	limitClass, legendClass   = "limit", "legend"
	axisLabelClass, titleAttr = "axis", "title"
)

// drawable says whether a chart has anything to draw: a category with a
// value above zero.
func drawable(c Chart) bool {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v > 0 {
				return true
			}
		}
	}
	return false
}

// SVG draws c as an inline SVG bar chart: grouped or stacked bars, a grid
// with round ticks, an optional dashed limit line, and a legend. Every
// bar has class "mark" and a <title> with its value. It is drawn by hand
// rather than with a plotting library: the charts are bars and a line,
// and this keeps the binary and its start-up free of a plotting stack.
func SVG(c Chart, id string) string {
	var b strings.Builder
	top := c.Limit
	for i := range c.Categories {
		sum := 0.0
		for _, s := range c.Series {
			if c.Stacked {
				sum += s.Values[i]
			} else {
				sum = math.Max(sum, s.Values[i])
			}
		}
		top = math.Max(top, sum)
	}
	step := niceStep(top / 4)
	top = math.Max(step, math.Ceil(top/step)*step)
	y := func(v float64) float64 { return padT + plotH - v/top*plotH }
	fmt.Fprintf(&b, `<svg viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%s-t %s-d">`, chartW, chartH, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(c.Title), id, esc(c.Alt))
	for v := 0.0; v <= top+step/2; v += step {
		fmt.Fprintf(&b, `<line class="%s" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, gridClass, padL, padL+plotW, y(v), y(v))
		fmt.Fprintf(&b, `<text class="%s" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, axisLabelClass, padL-4, y(v)+4, trim(v))
	}
	fmt.Fprintf(&b, `<text class="%s" x="4" y="14">%s</text>`, axisLabelClass, esc(c.Unit))
	n := len(c.Categories)
	slot := plotW / float64(max(n, 1))
	groups := len(c.Series)
	if c.Stacked {
		groups = 1
	}
	barW := math.Min(48, slot*0.8/float64(max(groups, 1)))
	for i, cat := range c.Categories {
		x0 := padL + slot*float64(i) + (slot-barW*float64(groups))/2
		base := 0.0
		for j, s := range c.Series {
			v := s.Values[i]
			x := x0 + barW*float64(j)
			lo := 0.0
			if c.Stacked {
				x, lo = x0, base
				base += v
			}
			if v <= 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="#000" stroke-width="0.6"><title>%s, %s: %s %s</title></rect>`,
				markClass, x, y(lo+v), barW, y(lo)-y(lo+v), palette[j%len(palette)], esc(cat), esc(s.Name), trim(v), esc(c.Unit))
		}
		label := cat
		if r := []rune(label); len(r) > maxLabel {
			label = string(r[:maxLabel-1]) + "…"
		}
		fmt.Fprintf(&b, `<text class="%s" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, axisLabelClass, padL+slot*(float64(i)+0.5), padT+plotH+16, esc(label))
	}
	if c.Limit > 0 {
		fmt.Fprintf(&b, `<line class="%s" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#000" stroke-width="1.5" stroke-dasharray="6 4"/>`, limitClass, padL, padL+plotW, y(c.Limit), y(c.Limit))
		fmt.Fprintf(&b, `<text class="%s" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, axisLabelClass, padL+plotW, y(c.Limit)-4, esc(c.LimitLabel))
	}
	lx := padL
	ly := chartH - legendH/2
	for j, s := range c.Series {
		fmt.Fprintf(&b, `<g class="%s"><rect x="%.1f" y="%.1f" width="12" height="12" fill="%s" stroke="#000" stroke-width="0.6"/><text x="%.1f" y="%.1f">%s</text></g>`,
			legendClass, lx, ly-10, palette[j%len(palette)], lx+16, ly, esc(s.Name))
		lx += 24 + 7*float64(len([]rune(s.Name)))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// niceStep rounds a raw grid step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return math.Max(m*p, 1)
		}
	}
	return 10 * p
}

func esc(s string) string { return html.EscapeString(s) }
