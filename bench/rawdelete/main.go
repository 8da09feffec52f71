// Command rawdelete is the reference for records purge: one bare, indexed
// DELETE of the records purge would remove, in one durable transaction,
// through the same SQLite engine custos uses.
//
//	rawdelete DB CLASS CUTOFF
package main

import (
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: rawdelete DB CLASS CUTOFF")
		os.Exit(2)
	}
	db, err := sql.Open("sqlite", os.Args[1]+"?_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	start := time.Now()
	res, err := db.Exec(`DELETE FROM records WHERE class = $1 AND created_at < $2`, os.Args[2], os.Args[3])
	if err != nil {
		panic(err)
	}
	n, _ := res.RowsAffected()
	fmt.Printf("%d %.3f\n", n, time.Since(start).Seconds())
}
