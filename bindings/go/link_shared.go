//go:build allcore_shared

package allcore

// With the allcore_shared build tag the package links the shared
// liballcore.so (allcore.pc), so a Go program, or a Go -buildmode=c-shared
// library loaded into a process that already has allcore (a Python program
// using the allcore package, say), shares that one copy of allcore.

/*
#cgo pkg-config: allcore
*/
import "C"
