// Command cliprof runs one custos command line, exactly as the custos
// binary does, under a CPU profile written to $CPUPROFILE (custos itself
// has no profiling flag).
//
//	CGO_ENABLED=0 go build -o /tmp/cliprof ./bench/cliprof
//	CPUPROFILE=export.prof /tmp/cliprof --db STORE access review export q4 -o csv >/dev/null
//	go tool pprof -top /tmp/cliprof export.prof
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/custos-dev/custos/internal/cli"
	_ "github.com/custos-dev/custos/internal/procs/one"
)

func main() {
	path := os.Getenv("CPUPROFILE")
	if path == "" {
		fmt.Fprintln(os.Stderr, "usage: CPUPROFILE=FILE cliprof CUSTOS-ARGS...")
		os.Exit(2)
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cliprof:", err)
		os.Exit(1)
	}
	code := cli.Main()
	pprof.StopCPUProfile()
	f.Close()
	os.Exit(code)
}
