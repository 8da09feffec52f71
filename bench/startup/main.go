// Command startup compares one audited, mutating custos command (process
// start to exit, its change and audit entry durably committed) with the
// sqlite3 shell doing one durable insert into a WAL database. The
// contenders run in turn, round after round, each round starting with the
// next one, so drift on a shared machine hits all alike; it prints for
// each the median wall time and the median CPU time (user + system, every
// thread) and their ratios to the shell's.
//
//	go build -o /tmp/custos ./cmd/custos
//	go run ./bench/startup -custos /tmp/custos -n 300
//
// Give it binaries copied the same way (cp into one directory), the shell
// included: a binary straight out of go build starts up to a millisecond
// slower than the same bytes copied, because of how its pages reached the
// page cache. bench/startup.sh does.
//
// With -storeonly (a build of bench/storeonly) it also times the store
// pipeline without the CLI, to show what the CLI layer adds; with -clilibs
// (bench/storeonly built with -tags clilibs) the same pipeline with the CLI
// libraries linked and initialised but unused, to show what their start-up
// alone costs. Each further argument, NAME=PATH, is another custos binary
// (an older version, say), timed the same way on a store of its own.
//
// With -postgres (a superuser's postgres:// location, as
// scripts/pg-test-server prints it) it also times the same command on a
// fresh PostgreSQL store over that route, and with -postgres-tcp over a
// second route to the same server (e.g. TCP when the first is the Unix
// socket), in the same rounds.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/custos-dev/custos/bench/internal/pgdb"
	"github.com/custos-dev/custos/bench/internal/ref"
)

// contender is one program timed in every round.
type contender struct {
	name string
	argv func(i int) []string
	wall []time.Duration
	cpu  []time.Duration // user + system time of the process
}

func main() {
	custos := flag.String("custos", "custos", "the custos binary")
	sqlite3 := flag.String("sqlite3", "sqlite3", "the sqlite3 shell")
	storeonly := flag.String("storeonly", "", "optional: the bench/storeonly binary, timed as another contender")
	clilibs := flag.String("clilibs", "", "optional: bench/storeonly built with -tags clilibs, timed as another")
	postgres := flag.String("postgres", "", "optional: a superuser's postgres:// location, where a fresh store is made and timed")
	postgresTCP := flag.String("postgres-tcp", "", "optional, with -postgres: another location of the same server (any database), timed too")
	n := flag.Int("n", 200, "runs of each")
	flag.Parse()

	pair, err := ref.NewPair(*custos, *sqlite3)
	check(err)
	defer os.RemoveAll(pair.Dir)
	db, refDB, env := pair.Store, pair.Ref, pair.Env

	cs := []*contender{
		{name: "custos operator add", argv: func(i int) []string {
			return []string{*custos, "--db", db, "operator", "add", fmt.Sprintf("op%d", i), "--role", "auditor"}
		}},
		{name: "sqlite3 durable insert", argv: func(i int) []string {
			return []string{*sqlite3, refDB, ref.Insert(fmt.Sprintf("operator add op%d", i))}
		}},
	}
	for _, arg := range flag.Args() {
		name, bin, ok := strings.Cut(arg, "=")
		if !ok {
			check(fmt.Errorf("argument %q: want NAME=PATH", arg))
		}
		store := filepath.Join(pair.Dir, name+".db")
		if out, err := pair.Command(bin, "--db", store, "init").CombinedOutput(); err != nil {
			check(fmt.Errorf("%s init: %v: %s", bin, err, out))
		}
		cs = append(cs, &contender{name: name + " operator add", argv: func(i int) []string {
			return []string{bin, "--db", store, "operator", "add", fmt.Sprintf("op%d", i), "--role", "auditor"}
		}})
	}
	if *storeonly != "" {
		cs = append(cs, &contender{name: "store pipeline, no CLI", argv: func(i int) []string {
			return []string{*storeonly, db, fmt.Sprintf("bare%d", i)}
		}})
	}
	if *clilibs != "" {
		cs = append(cs, &contender{name: "  + CLI libraries' init", argv: func(i int) []string {
			return []string{*clilibs, db, fmt.Sprintf("libs%d", i)}
		}})
	}
	if *postgres != "" {
		name, drop, err := pgdb.Create(context.Background(), *postgres)
		check(err)
		defer func() { check(drop()) }()
		for r, l := range []string{*postgres, *postgresTCP} {
			if l == "" {
				continue
			}
			loc, err := pgdb.Location(l, name)
			check(err)
			if r == 0 {
				run(env, []string{*custos, "--db", loc, "init"})
			}
			cs = append(cs, &contender{name: []string{"custos on PostgreSQL", "  over -postgres-tcp"}[r], argv: func(i int) []string {
				return []string{*custos, "--db", loc, "operator", "add", fmt.Sprintf("pg%d-%d", r, i), "--role", "auditor"}
			}})
		}
	}

	for i := range *n {
		// Each round starts with the next contender, so none always runs
		// right after the same one (the shell's syncs, say).
		for k := range cs {
			c := cs[(i+k)%len(cs)]
			wall, cpu := run(env, c.argv(i))
			c.wall = append(c.wall, wall)
			c.cpu = append(c.cpu, cpu)
		}
	}
	rw, rc := median(cs[1].wall), median(cs[1].cpu)
	fmt.Printf("runs: %d of each, in turn; ratios are to the sqlite3 shell's medians\n", *n)
	fmt.Printf("%-26s %10s %10s %10s %7s   %10s %7s\n", "", "wall p50", "p90", "mean", "ratio", "CPU p50", "ratio")
	for _, c := range cs {
		mw, mc := median(c.wall), median(c.cpu)
		fmt.Printf("%-26s %10v %10v %10v %6.2fx   %10v %6.2fx\n", c.name,
			mw.Round(time.Microsecond), pct(c.wall, 90).Round(time.Microsecond), mean(c.wall).Round(time.Microsecond),
			float64(mw)/float64(rw), mc.Round(time.Microsecond), float64(mc)/float64(rc))
	}
}

// run runs argv to its end and returns its wall time and its CPU time.
func run(env, argv []string) (wall, cpu time.Duration) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall = time.Since(start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v: %v\n%s", argv, err, out.String())
		os.Exit(1)
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
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
