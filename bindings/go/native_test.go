package allcore

import (
	"context"
	"errors"
	"testing"
	"unsafe"

	"github.com/allcore/allcore/bindings/go/internal/cfuncs"
)

func TestParallelForFuncOverAGoSlice(t *testing.T) {
	pool := newTestPool(t, 2)
	for _, chunk := range []int{0, 1, 7, 999, 1000, 5000} {
		values := make([]int64, 1000)
		for i := range values {
			values[i] = int64(i)
		}
		if err := pool.ParallelForFunc(len(values), chunk, cfuncs.TriplePlusOne(), unsafe.Pointer(&values[0])); err != nil {
			t.Fatalf("ParallelForFunc(chunk %d): %v", chunk, err)
		}
		for i, value := range values {
			if value != 3*int64(i)+1 {
				t.Fatalf("chunk %d: values[%d] = %d; want %d", chunk, i, value, 3*i+1)
			}
		}
	}
}

func TestParallelForFuncRunsChunksAtOnce(t *testing.T) {
	pool := newTestPool(t, 2)
	state := []int64{0, 2, 0} // arrivals, chunks to wait for, gave up
	if err := pool.ParallelForFunc(2, 1, cfuncs.Meet(), unsafe.Pointer(&state[0])); err != nil {
		t.Fatalf("ParallelForFunc: %v", err)
	}
	if state[0] != 2 || state[2] != 0 {
		t.Errorf("arrivals %d, gave up %d: the two chunks did not run at once", state[0], state[2])
	}
}

func TestParallelForFuncBadArguments(t *testing.T) {
	pool := newTestPool(t, 1)
	values := []int64{5}
	context := unsafe.Pointer(&values[0])
	if err := pool.ParallelForFunc(1, 0, nil, context); !errors.Is(err, ErrNullPointer) {
		t.Errorf("nil fn: %v; want ErrNullPointer", err)
	}
	if err := pool.ParallelForFunc(-1, 0, cfuncs.TriplePlusOne(), context); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("n = -1: %v; want ErrInvalidArgument", err)
	}
	if err := pool.ParallelForFunc(1, -1, cfuncs.TriplePlusOne(), context); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("chunk = -1: %v; want ErrInvalidArgument", err)
	}
	if err := pool.ParallelForFunc(0, 0, cfuncs.TriplePlusOne(), nil); err != nil {
		t.Errorf("n = 0: %v", err)
	}
	if values[0] != 5 {
		t.Errorf("a refused call ran: values[0] = %d", values[0])
	}
	pool.Close()
	if err := pool.ParallelForFunc(1, 0, cfuncs.TriplePlusOne(), context); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v; want ErrClosed", err)
	}
}

func TestSubmitFunc(t *testing.T) {
	pool := newTestPool(t, 2)
	contexts := make([][]int64, 20)
	futures := make([]*Future, len(contexts))
	for n := range contexts {
		contexts[n] = cfuncs.NewInt64s(10)
		defer cfuncs.Free(contexts[n])
		for i := range contexts[n] {
			contexts[n][i] = int64(n)
		}
		future, err := pool.SubmitFunc(cfuncs.SumTen(), unsafe.Pointer(&contexts[n][0]))
		if err != nil {
			t.Fatalf("SubmitFunc: %v", err)
		}
		futures[n] = future
	}
	for n, future := range futures {
		value, err := future.Result(context.Background())
		if err != nil || value != int64(10*n) {
			t.Errorf("future %d: %d, %v; want %d", n, value, err, 10*n)
		}
		future.Close()
	}
}

func TestSubmitFuncBadArguments(t *testing.T) {
	pool := newTestPool(t, 1)
	if _, err := pool.SubmitFunc(nil, nil); !errors.Is(err, ErrNullPointer) {
		t.Errorf("nil fn: %v; want ErrNullPointer", err)
	}
	if err := pool.Shutdown(ShutdownDrain, true); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := pool.SubmitFunc(cfuncs.SumTen(), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("after Shutdown: %v; want ErrClosed", err)
	}
}
