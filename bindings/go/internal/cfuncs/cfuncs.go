// Package cfuncs defines C functions of type int64_t (*)(int64_t) for the
// tests of allcore's Pool.MapFunc, which takes C function pointers.
package cfuncs

/*
#include <stdint.h>

static int64_t square(int64_t value) { return value * value; }

static void *square_function(void) { return (void *)square; }
*/
import "C"

import "unsafe"

// Square returns a pointer to a C function that squares its argument.
func Square() unsafe.Pointer {
	return C.square_function()
}
