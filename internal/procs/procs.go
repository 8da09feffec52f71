// Package procs decides how many processors custos runs on.
//
// custos starts on one: cmd/custos imports package procs/one, whose init
// sets GOMAXPROCS to 1 before the libraries' init functions run. A command
// is one sequence of SQLite statements on one goroutine; a second
// processor only brings the scheduler's threads, started and woken each
// time a goroutine is (the runtime's own, database/sql's, the driver's one
// per statement). Work spread over goroutines calls All first.
package procs

import "runtime"

// All gives the process every processor it may use, the runtime's
// default (its CPU affinity and CPU quota, or $GOMAXPROCS), and returns
// how many that is.
func All() int {
	runtime.SetDefaultGOMAXPROCS()
	return runtime.GOMAXPROCS(0)
}
