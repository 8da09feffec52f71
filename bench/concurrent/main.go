// Command concurrent runs P processes that each make N audited custos
// changes to one store at once, and the same load through the sqlite3
// shell (P writers, N durable inserts each) into one WAL database. The two
// loads alternate in halves so drift on a shared machine hits both alike.
// It reports failures and commands per second, then checks the store:
// every change present, one entry per command, the chain intact.
//
//	go build -o /tmp/custos ./cmd/custos
//	go run ./bench/concurrent -custos /tmp/custos -procs 8 -n 500
package main

import (
	"flag"
	"fmt"
	"github.com/custos-dev/custos/bench/internal/ref"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	custos := flag.String("custos", "custos", "the custos binary")
	sqlite3 := flag.String("sqlite3", "sqlite3", "the sqlite3 shell")
	procs := flag.Int("procs", 8, "concurrent processes")
	n := flag.Int("n", 500, "commands per process")
	flag.Parse()

	pair, err := ref.NewPair(*custos, *sqlite3)
	check(err)
	defer os.RemoveAll(pair.Dir)
	db, refDB := pair.Store, pair.Ref
	run := func(name string, args ...string) ([]byte, error) { return pair.Command(name, args...).CombinedOutput() }

	// load runs commands [from, to) of every process at once.
	load := func(from, to int, one func(p, i int) ([]byte, error)) (time.Duration, int64) {
		var failed atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for p := range *procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := from; i < to; i++ {
					if out, err := one(p, i); err != nil {
						failed.Add(1)
						fmt.Fprintf(os.Stderr, "process %d command %d: %v: %s", p, i, err, out)
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start), failed.Load()
	}
	ours := func(p, i int) ([]byte, error) {
		return run(*custos, "--db", db, "operator", "add", fmt.Sprintf("p%d-%d", p, i), "--role", "auditor")
	}
	theirs := func(p, i int) ([]byte, error) {
		return run(*sqlite3, refDB, ref.Insert(fmt.Sprintf("operator add p%d-%d", p, i)))
	}
	var tOurs, tTheirs time.Duration
	var fOurs, fTheirs int64
	for _, half := range [][2]int{{0, *n / 2}, {*n / 2, *n}} {
		d, f := load(half[0], half[1], ours)
		tOurs, fOurs = tOurs+d, fOurs+f
		d, f = load(half[0], half[1], theirs)
		tTheirs, fTheirs = tTheirs+d, fTheirs+f
	}
	total := float64(*procs * *n)
	fmt.Printf("load:                 %d processes x %d commands, alternating in halves\n", *procs, *n)
	fmt.Printf("custos operator add:  %d failures, %.1f s, %.0f commands/s\n", fOurs, tOurs.Seconds(), total/tOurs.Seconds())
	fmt.Printf("sqlite3 insert:       %d failures, %.1f s, %.0f inserts/s\n", fTheirs, tTheirs.Seconds(), total/tTheirs.Seconds())
	fmt.Printf("throughput ratio:     %.2fx the time of sqlite3\n", tOurs.Seconds()/tTheirs.Seconds())

	out, err := run(*custos, "--db", db, "operator", "list", "-o", "json")
	check(err)
	if got, want := strings.Count(string(out), `"name"`), *procs**n+1; got != want {
		check(fmt.Errorf("%d operators in the store, want %d", got, want))
	}
	out, err = run(*custos, "--db", db, "audit", "verify")
	if err != nil {
		check(fmt.Errorf("audit verify: %v: %s", err, out))
	}
	fmt.Printf("store:                %d operators; %s", *procs**n+1, out)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
