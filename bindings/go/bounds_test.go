package allcore

import (
	"context"
	"errors"
	"math"
	"testing"
)

// Each call below would run for years if it started its work before checking
// its arguments: a regression hangs the test instead of passing it.

func TestPoolRangeSumThatCannotFitFailsAtOnce(t *testing.T) {
	pool := newTestPool(t, 2)
	for _, c := range []struct{ start, stop int64 }{
		{0, math.MaxInt64},
		{math.MinInt64, math.MaxInt64},
		{1 << 40, math.MaxInt64},
	} {
		if sum, err := pool.RangeSum(c.start, c.stop); !errors.Is(err, ErrOverflow) || sum != 0 {
			t.Errorf("pool.RangeSum(%d, %d) = %d, %v; want 0, ErrOverflow", c.start, c.stop, sum, err)
		}
	}
	future, err := pool.SubmitKernel(KernelRangeSum, 0, math.MaxInt64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := future.Result(context.Background()); !errors.Is(err, ErrOverflow) {
		t.Errorf("SubmitKernel(KernelRangeSum, 0, MaxInt64) result error = %v; want ErrOverflow", err)
	}
}

func TestPoolMapChecksEveryItemBeforeAnyRuns(t *testing.T) {
	pool := newTestPool(t, 2)
	for _, c := range []struct {
		kernel Kernel
		input  []int64
		want   error
	}{
		{KernelBusyLoop, []int64{math.MaxInt64, math.MaxInt64, -1}, ErrInvalidArgument},
		{KernelBusyLoopFor, []int64{math.MaxInt64, math.MaxInt64, -1}, ErrInvalidArgument},
		{KernelFib, []int64{92, 92, 93}, ErrOverflow},
	} {
		if _, err := pool.Map(c.kernel, c.input); !errors.Is(err, c.want) {
			t.Errorf("Map(%v, %v) error = %v; want %v", c.kernel, c.input, err, c.want)
		}
	}
}
