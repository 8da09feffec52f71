// Package one starts custos on one processor (see package procs). Only
// cmd/custos imports it, for its init, so tests and other programs built
// from custos's packages keep the runtime's default.
//
// It imports nothing but runtime: Go initialises, in import-path order,
// each package whose imports are initialised, so this one comes among the
// first, before cobra's, viper's, tablewriter's and the SQLite driver's.
package one

import "runtime"

func init() { runtime.GOMAXPROCS(1) }
