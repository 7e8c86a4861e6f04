package cfuncs

/*
#include <stdint.h>
#include <stdlib.h>

// A task for Pool.SubmitFuncAfter: returns the int64_t its context points
// at, plus one.
static int64_t add_one_task(void *context) { return *(const int64_t *)context + 1; }

static void *add_one_task_function(void) { return (void *)add_one_task; }

static void *new_int64(int64_t value) {
	int64_t *cell = malloc(sizeof *cell);
	if (cell != NULL) {
		*cell = value;
	}
	return cell;
}
*/
import "C"

import "unsafe"

// AddOneTask returns a pointer to a C task, int64_t (*)(void *context),
// that returns *(int64_t *)context + 1.
func AddOneTask() unsafe.Pointer {
	return C.add_one_task_function()
}

// NewInt64 allocates a C int64_t holding value, a context for AddOneTask;
// release it with FreeInt64.
func NewInt64(value int64) unsafe.Pointer {
	return C.new_int64(C.int64_t(value))
}

// FreeInt64 releases memory from NewInt64.
func FreeInt64(pointer unsafe.Pointer) {
	C.free(pointer)
}
