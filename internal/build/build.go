// Package build holds the version of the running binary.
package build

import "runtime/debug"

// Version is set at link time with
// -ldflags "-X github.com/custos-dev/custos/internal/build.Version=v1.2.3".
var Version = ""

// String returns the version set at link time, else the module version or
// VCS revision recorded by the Go toolchain, else "devel".
func String() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
}
