package when

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want Duration
		err  bool
	}{
		{in: "90d", want: Duration{Days: 90}},
		{in: "12w", want: Duration{Days: 84}},
		{in: "6m", want: Duration{Months: 6}},
		{in: "3y", want: Duration{Years: 3}},
		{in: "24h", want: Duration{Clock: 24 * time.Hour}},
		{in: "1y6m", want: Duration{Years: 1, Months: 6}},
		{in: "P3Y", want: Duration{Years: 3}},
		{in: "P1Y2M10D", want: Duration{Years: 1, Months: 2, Days: 10}},
		{in: "P2W", want: Duration{Days: 14}},
		{in: "PT36H", want: Duration{Clock: 36 * time.Hour}},
		{in: "P1DT2H30M", want: Duration{Days: 1, Clock: 2*time.Hour + 30*time.Minute}},
		{in: "p1y", want: Duration{Years: 1}},
		{in: "", err: true},
		{in: "0d", err: true},
		{in: "P", err: true},
		{in: "PT", err: true},
		{in: "P1YT", err: true},
		{in: "P1M1Y", err: true},
		{in: "3", err: true},
		{in: "d", err: true},
		{in: "-3d", err: true},
		{in: "3x", err: true},
		{in: "1d1d", err: true},
		{in: "9999999y", err: true},
		{in: "3 years", err: true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseDuration(%q) error = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDuration(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestCalendarArithmetic(t *testing.T) {
	day := func(s string) time.Time {
		t, _ := time.Parse("2006-01-02", s)
		return t
	}
	tests := []struct {
		from, dur, want string
	}{
		{"2026-01-31", "1m", "2026-02-28"},
		{"2028-01-31", "1m", "2028-02-29"},
		{"2024-02-29", "1y", "2025-02-28"},
		{"2026-03-31", "P1M", "2026-04-30"},
		{"2026-01-15", "3y", "2029-01-15"},
		{"2026-12-31", "90d", "2027-03-31"},
	}
	for _, tt := range tests {
		d, err := ParseDuration(tt.dur)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.After(day(tt.from)); !got.Equal(day(tt.want)) {
			t.Errorf("%s + %s = %s, want %s", tt.from, tt.dur, got.Format("2006-01-02"), tt.want)
		}
	}
	d, _ := ParseDuration("1m")
	if got := d.Before(day("2026-03-31")); !got.Equal(day("2026-02-28")) {
		t.Errorf("2026-03-31 - 1m = %s", got)
	}
}

func TestParseTime(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	got, err := ParseTime("2026-11-23", loc)
	if err != nil || !got.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, loc)) {
		t.Fatalf("date: %v %v", got, err)
	}
	got, err = ParseTime("2026-11-23T10:00:00Z", loc)
	if err != nil || !got.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("RFC 3339: %v %v", got, err)
	}
	for _, bad := range []string{"23/11/2026", "2026-13-01", "yesterday", ""} {
		if _, err := ParseTime(bad, loc); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	got, err = ParseTimeOrAgo("7d", now, loc)
	if err != nil || !got.Equal(now.AddDate(0, 0, -7)) {
		t.Fatalf("7d ago: %v %v", got, err)
	}
}

// FuzzParseDuration: parsing never panics, and what parses prints back to a
// form that parses to the same duration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90d", "12w", "6m", "3y", "24h", "P3Y", "P1Y2M10DT2H30M", "1y6m", "PT1S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d.IsZero() {
			t.Fatalf("%q parsed to zero", s)
		}
		back, err := ParseDuration(d.String())
		if err != nil {
			if d.Clock%time.Hour != 0 {
				return // minutes and seconds print in Go's form, not ours
			}
			t.Fatalf("%q → %+v → %q does not parse: %v", s, d, d.String(), err)
		}
		if back != d {
			t.Fatalf("%q → %+v → %q → %+v", s, d, d.String(), back)
		}
		base := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
		if !d.After(base).After(base) {
			t.Fatalf("%q does not move time forward", s)
		}
	})
}

// A period is shorter than another when it ends sooner from any day.
func TestShorterThan(t *testing.T) {
	for _, c := range []struct {
		d, o    string
		shorter bool
	}{
		{"1y", "1y", false}, {"12m", "1y", false}, {"P1Y", "1y", false}, {"2y", "1y", false},
		{"364d", "1y", true}, {"365d", "1y", true}, {"366d", "1y", false}, {"8760h", "1y", true},
		{"11m30d", "1y", true}, {"11m31d", "1y", false}, {"36m", "3y", false}, {"1095d", "3y", true},
		{"1y", "365d", false}, {"1y", "366d", true}, {"1m", "31d", true}, {"1m", "28d", false},
	} {
		d, err := ParseDuration(c.d)
		if err != nil {
			t.Fatal(err)
		}
		o, err := ParseDuration(c.o)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.ShorterThan(o); got != c.shorter {
			t.Errorf("%s shorter than %s: %v, want %v", c.d, c.o, got, c.shorter)
		}
	}
}
