// Command concurrent runs P processes that each make N audited custos
// changes to one store at once, and the same load through the sqlite3
// shell (P writers, N durable inserts each) into one WAL database. With
// -postgres it runs the same custos load against a fresh PostgreSQL
// store too. The loads alternate in halves so drift on a shared machine
// hits them alike. It reports failures and commands per second, then
// checks each custos store: every change present, one entry per command,
// the chain intact.
//
//	go build -o /tmp/custos ./cmd/custos
//	go run ./bench/concurrent -custos /tmp/custos -procs 8 -n 500
//	go run ./bench/concurrent -custos /tmp/custos -procs 8 -n 500 -postgres "$(scripts/pg-test-server start $dir)"
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-dev/custos/bench/internal/pgdb"
	"github.com/custos-dev/custos/bench/internal/ref"
)

// contender is one load: a name, one command of process p, and the
// custos store it writes to ("" for the reference).
type contender struct {
	name  string
	store string
	one   func(p, i int) ([]byte, error)
	took  time.Duration
	fail  int64
}

func main() {
	custos := flag.String("custos", "custos", "the custos binary")
	sqlite3 := flag.String("sqlite3", "sqlite3", "the sqlite3 shell")
	postgres := flag.String("postgres", "", "optional: a superuser's postgres:// location on a server, where a fresh store is made for the same load")
	procs := flag.Int("procs", 8, "concurrent processes")
	n := flag.Int("n", 500, "commands per process")
	flag.Parse()

	pair, err := ref.NewPair(*custos, *sqlite3)
	check(err)
	defer os.RemoveAll(pair.Dir)
	run := func(name string, args ...string) ([]byte, error) { return pair.Command(name, args...).CombinedOutput() }
	add := func(db string) func(p, i int) ([]byte, error) {
		return func(p, i int) ([]byte, error) {
			return run(*custos, "--db", db, "operator", "add", fmt.Sprintf("p%d-%d", p, i), "--role", "auditor")
		}
	}
	loads := []*contender{{name: "custos on SQLite", store: pair.Store, one: add(pair.Store)}}
	if *postgres != "" {
		ctx := context.Background()
		name, drop, err := pgdb.Create(ctx, *postgres)
		check(err)
		defer func() { check(drop()) }()
		db, err := pgdb.Location(*postgres, name)
		check(err)
		if out, err := run(*custos, "--db", db, "init"); err != nil {
			check(fmt.Errorf("custos init: %v: %s", err, out))
		}
		loads = append(loads, &contender{name: "custos on PostgreSQL", store: db, one: add(db)})
	}
	loads = append(loads, &contender{name: "sqlite3 shell", one: func(p, i int) ([]byte, error) {
		return run(*sqlite3, pair.Ref, ref.Insert(fmt.Sprintf("operator add p%d-%d", p, i)))
	}})

	// load runs commands [from, to) of every process at once.
	load := func(c *contender, from, to int) {
		var failed atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for p := range *procs {
			wg.Go(func() {
				for i := from; i < to; i++ {
					if out, err := c.one(p, i); err != nil {
						failed.Add(1)
						fmt.Fprintf(os.Stderr, "%s: process %d command %d: %v: %s", c.name, p, i, err, out)
					}
				}
			})
		}
		wg.Wait()
		c.took += time.Since(start)
		c.fail += failed.Load()
	}
	for _, half := range [][2]int{{0, *n / 2}, {*n / 2, *n}} {
		for _, c := range loads {
			load(c, half[0], half[1])
		}
	}
	total := float64(*procs * *n)
	base := loads[len(loads)-1]
	fmt.Printf("load:                   %d processes x %d commands, alternating in halves\n", *procs, *n)
	for _, c := range loads {
		fmt.Printf("%-22s  %d failures, %.1f s, %.0f commands/s, %.2fx the time of sqlite3\n",
			c.name+":", c.fail, c.took.Seconds(), total/c.took.Seconds(), c.took.Seconds()/base.took.Seconds())
	}
	if len(loads) == 3 {
		fmt.Printf("PostgreSQL / SQLite:    %.2fx the time\n", loads[1].took.Seconds()/loads[0].took.Seconds())
	}
	for _, c := range loads[:len(loads)-1] {
		check(checkStore(c, run, *custos, *procs, *n))
	}
}

// checkStore checks that the store of c holds every operator the load
// added, that each was recorded by exactly one entry, and that the chain
// is intact.
func checkStore(c *contender, run func(string, ...string) ([]byte, error), custos string, procs, n int) error {
	out, err := run(custos, "--db", c.store, "operator", "list", "-o", "json")
	if err != nil {
		return fmt.Errorf("%s: operator list: %v: %s", c.name, err, out)
	}
	var ops []struct{ Name string }
	if err := json.Unmarshal(out, &ops); err != nil {
		return fmt.Errorf("%s: operator list: %v", c.name, err)
	}
	names := map[string]bool{}
	for _, o := range ops {
		names[o.Name] = true
	}
	out, err = run(custos, "--db", c.store, "audit", "log", "--command", "operator add", "--limit", "0", "-o", "json")
	if err != nil {
		return fmt.Errorf("%s: audit log: %v: %s", c.name, err, out)
	}
	var entries []struct {
		Outcome string
		Objects []string
	}
	if err := json.Unmarshal(out, &entries); err != nil {
		return fmt.Errorf("%s: audit log: %v", c.name, err)
	}
	recorded := map[string]int{}
	for _, e := range entries {
		for _, o := range e.Objects {
			if e.Outcome == "ok" {
				recorded[o]++
			}
		}
	}
	for p := range procs {
		for i := range n {
			name := fmt.Sprintf("p%d-%d", p, i)
			if !names[name] {
				return fmt.Errorf("%s: operator %s is missing", c.name, name)
			}
			if k := recorded["operator:"+name]; k != 1 {
				return fmt.Errorf("%s: operator %s is named by %d entries, want 1", c.name, name, k)
			}
		}
	}
	if len(entries) != procs*n {
		return fmt.Errorf("%s: %d entries of operator add, want %d", c.name, len(entries), procs*n)
	}
	out, err = run(custos, "--db", c.store, "audit", "verify")
	if err != nil {
		return fmt.Errorf("%s: audit verify: %v: %s", c.name, err, out)
	}
	fmt.Printf("%-22s  store: %d operators, %d operator add entries, one per operator; %s", c.name+":", len(ops), len(entries), out)
	return nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
