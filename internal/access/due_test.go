package access

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

func TestDefaultDue(t *testing.T) {
	now := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	var b bytes.Buffer
	for _, days := range []string{"30", "1", "365", "0", "366", "", "thirty", "30 "} {
		due, err := DefaultDue(now, days)
		fmt.Fprintf(&b, "%-8q %-10s %v %s\n", days, due, errs.CodeOf(err), errText(err))
	}
	golden.Check(t, "defaultdue.golden", b.Bytes())
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
