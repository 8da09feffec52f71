// Command startup compares one audited, mutating custos command (process
// start to exit, its change and audit entry durably committed) with the
// sqlite3 shell doing one durable insert into a WAL database. The two run
// alternately, so drift on a shared machine hits both alike; it prints the
// medians and their ratio.
//
//	go build -o /tmp/custos ./cmd/custos
//	go run ./bench/startup -custos /tmp/custos -n 300
//
// With -storeonly (a build of bench/storeonly) it also times the store
// pipeline without the CLI, to show what the CLI layer adds; with -clilibs
// (bench/storeonly built with -tags clilibs) the same pipeline with the CLI
// libraries linked and initialised but unused, to show what their start-up
// alone costs.
//
// With -postgres (a superuser's postgres:// location, as
// scripts/pg-test-server prints it) it also times the same command on a
// fresh PostgreSQL store over that route, and with -postgres-tcp over a
// second route to the same server (e.g. TCP when the first is the Unix
// socket), one after the other in the same alternation.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/custos-dev/custos/bench/internal/pgdb"
	"github.com/custos-dev/custos/bench/internal/ref"
)

func main() {
	custos := flag.String("custos", "custos", "the custos binary")
	sqlite3 := flag.String("sqlite3", "sqlite3", "the sqlite3 shell")
	storeonly := flag.String("storeonly", "", "optional: the bench/storeonly binary, timed as a third contender")
	clilibs := flag.String("clilibs", "", "optional: bench/storeonly built with -tags clilibs, timed as a fourth")
	postgres := flag.String("postgres", "", "optional: a superuser's postgres:// location, where a fresh store is made and timed")
	postgresTCP := flag.String("postgres-tcp", "", "optional, with -postgres: another location of the same server (any database), timed too")
	n := flag.Int("n", 200, "runs of each")
	flag.Parse()

	pair, err := ref.NewPair(*custos, *sqlite3)
	check(err)
	defer os.RemoveAll(pair.Dir)
	db, refDB, env := pair.Store, pair.Ref, pair.Env

	// pgRoutes are the locations of one PostgreSQL store, by route.
	var pgRoutes []string
	if *postgres != "" {
		name, drop, err := pgdb.Create(context.Background(), *postgres)
		check(err)
		defer func() { check(drop()) }()
		for _, l := range []string{*postgres, *postgresTCP} {
			if l != "" {
				loc, err := pgdb.Location(l, name)
				check(err)
				pgRoutes = append(pgRoutes, loc)
			}
		}
		run(env, *custos, "--db", pgRoutes[0], "init")
	}
	pg := make([][]time.Duration, len(pgRoutes))

	var ours, theirs, bare, libs []time.Duration
	for i := range *n {
		start := time.Now()
		run(env, *custos, "--db", db, "operator", "add", fmt.Sprintf("op%d", i), "--role", "auditor")
		ours = append(ours, time.Since(start))

		start = time.Now()
		run(env, *sqlite3, refDB, ref.Insert(fmt.Sprintf("operator add op%d", i)))
		theirs = append(theirs, time.Since(start))

		for r, loc := range pgRoutes {
			start = time.Now()
			run(env, *custos, "--db", loc, "operator", "add", fmt.Sprintf("pg%d-%d", r, i), "--role", "auditor")
			pg[r] = append(pg[r], time.Since(start))
		}

		if *storeonly != "" {
			start = time.Now()
			run(env, *storeonly, db, fmt.Sprintf("bare%d", i))
			bare = append(bare, time.Since(start))
		}
		if *clilibs != "" {
			start = time.Now()
			run(env, *clilibs, db, fmt.Sprintf("libs%d", i))
			libs = append(libs, time.Since(start))
		}
	}
	mo, mt := median(ours), median(theirs)
	fmt.Printf("runs:                     %d each, alternating\n", *n)
	fmt.Printf("custos operator add:      median %v  p90 %v  mean %v\n", mo, pct(ours, 90), mean(ours))
	fmt.Printf("sqlite3 durable insert:   median %v  p90 %v  mean %v\n", mt, pct(theirs, 90), mean(theirs))
	fmt.Printf("ratio of medians:         %.2fx (of means %.2fx)\n", float64(mo)/float64(mt), float64(mean(ours))/float64(mean(theirs)))
	for r, d := range pg {
		mp := median(d)
		fmt.Printf("custos on PostgreSQL, %s: median %v  p90 %v  (%.2fx sqlite3, %.2fx custos on SQLite)\n",
			[]string{"-postgres", "-postgres-tcp"}[r], mp, pct(d, 90), float64(mp)/float64(mt), float64(mp)/float64(mo))
	}
	if len(bare) > 0 {
		mb := median(bare)
		fmt.Printf("store pipeline, no CLI:   median %v  p90 %v  (%.2fx sqlite3)\n", mb, pct(bare, 90), float64(mb)/float64(mt))
	}
	if len(libs) > 0 {
		ml := median(libs)
		fmt.Printf("  + CLI libraries' init:  median %v  p90 %v  (%.2fx sqlite3)\n", ml, pct(libs, 90), float64(ml)/float64(mt))
	}
}

func run(env []string, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "%s %v: %v\n%s", name, args, err, out)
		os.Exit(1)
	}
}

func median(d []time.Duration) time.Duration { return pct(d, 50) }

// mean includes the commands that checkpoint the WAL for the others.
func mean(d []time.Duration) time.Duration {
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return sum / time.Duration(len(d))
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
