package allcore_test

import (
	"context"
	"fmt"
	"log"
	"unsafe"

	allcore "github.com/allcore/allcore/bindings/go"
	"github.com/allcore/allcore/bindings/go/internal/cfuncs"
)

// A C loop body, void f(void *context, size_t begin, size_t end), run over a
// Go slice on every core. Here it comes from a small cgo package; any C
// function pointer of that type works.
func ExamplePool_ParallelForFunc() {
	pool, err := allcore.NewPool(0)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	values := []int64{0, 1, 2, 3, 4, 5, 6, 7}
	err = pool.ParallelForFunc(len(values), 0, cfuncs.TriplePlusOne(), unsafe.Pointer(&values[0]))
	fmt.Println(values, err)
	// Output: [1 4 7 10 13 16 19 22] <nil>
}

// A C task, int64_t f(void *context), whose context lives in C memory
// because the task reads it after SubmitFunc returns.
func ExamplePool_SubmitFunc() {
	pool, err := allcore.NewPool(0)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	values := cfuncs.NewInt64s(10)
	defer cfuncs.Free(values)
	for i := range values {
		values[i] = int64(i)
	}
	future, err := pool.SubmitFunc(cfuncs.SumTen(), unsafe.Pointer(&values[0]))
	if err != nil {
		log.Fatal(err)
	}
	defer future.Close()
	fmt.Println(future.Result(context.Background()))
	// Output: 45 <nil>
}
