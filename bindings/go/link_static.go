//go:build !allcore_shared

package allcore

// By default the package links allcore's static library, found through
// pkg-config (allcore-static.pc, installed by `make install`; in the source
// tree `make build` writes one for target/release), so a Go binary needs no
// allcore at run time.

/*
#cgo pkg-config: allcore-static
*/
import "C"
