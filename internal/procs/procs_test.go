package procs

import (
	"runtime"
	"testing"
)

func TestAllUndoesOne(t *testing.T) {
	runtime.SetDefaultGOMAXPROCS()
	want := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(1)
	t.Cleanup(runtime.SetDefaultGOMAXPROCS)
	if got := All(); got != want {
		t.Fatalf("All() = %d, want the default %d", got, want)
	}
	if got := runtime.GOMAXPROCS(0); got != want {
		t.Fatalf("GOMAXPROCS is %d after All, want %d", got, want)
	}
}
