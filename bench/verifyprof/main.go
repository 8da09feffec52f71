// Command verifyprof runs the audit chain's verification of a store, as
// `custos audit verify` does, under a CPU profile, and times its two
// phases: the chain (its segments, checked in parallel) and what follows
// it (the object index and the triggers). custos has no profiling flag;
// this is the same store call without the CLI.
//
//	go run ./bench/verifyprof -db STORE -cpuprofile verify.prof
//	go tool pprof -top verify.prof
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/user"
	"runtime/pprof"
	"time"

	"github.com/custos-dev/custos/internal/store"
)

func main() {
	db := flag.String("db", "", "the store")
	profile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *db == "" {
		fmt.Fprintln(os.Stderr, "usage: verifyprof -db STORE [-cpuprofile FILE]")
		os.Exit(2)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, *db, store.Options{})
	check(err)
	defer st.Close()
	u, err := user.Current()
	check(err)
	inv := &store.Invocation{Command: "audit verify", OSUser: u.Username, Host: "bench", PID: os.Getpid()}
	if role := st.SessionUser(); role != "" {
		inv.OSUser = role
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	var chain time.Duration
	err = st.View(ctx, inv, store.Spec{}, func(tx store.Tx) error {
		v, err := tx.Audit().VerifyAudit(nil, 0, func(done, total int64) {
			if done == total {
				chain = time.Since(start)
			}
		})
		if err == nil {
			fmt.Printf("intact: %d entries\n", v.Count)
		}
		return err
	})
	check(err)
	total := time.Since(start)
	fmt.Printf("chain:   %.2f s\nindex and triggers: %.2f s\ntotal:   %.2f s\n", chain.Seconds(), (total - chain).Seconds(), total.Seconds())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "verifyprof:", err)
		os.Exit(1)
	}
}
