package allcore

import (
	"errors"
	"strings"
	"testing"
)

// With cgo, t.Setenv also sets the C environment the native library reads.

func workersOf(t *testing.T, pool *Pool) int {
	t.Helper()
	stats, err := pool.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return stats.Workers
}

func TestAllcoreNumThreadsSizesADefaultPool(t *testing.T) {
	t.Setenv("ALLCORE_NUM_THREADS", "3")
	pool := newTestPool(t, 0)
	if workers := workersOf(t, pool); workers != 3 {
		t.Errorf("NewPool(0) with ALLCORE_NUM_THREADS=3 has %d workers; want 3", workers)
	}
	explicit := newTestPool(t, 1)
	if workers := workersOf(t, explicit); workers != 1 {
		t.Errorf("NewPool(1) with ALLCORE_NUM_THREADS=3 has %d workers; want 1", workers)
	}
}

func TestBlankAllcoreNumThreadsMeansEveryCPU(t *testing.T) {
	t.Setenv("ALLCORE_NUM_THREADS", " ")
	pool := newTestPool(t, 0)
	if workers := workersOf(t, pool); workers != AvailableCPUs() {
		t.Errorf("NewPool(0) with a blank ALLCORE_NUM_THREADS has %d workers; want %d", workers, AvailableCPUs())
	}
}

func TestInvalidAllcoreNumThreadsIsAnError(t *testing.T) {
	for _, value := range []string{"0", "-1", "four", "2.5", "4097"} {
		t.Run(value, func(t *testing.T) {
			t.Setenv("ALLCORE_NUM_THREADS", value)
			pool, err := NewPool(0)
			if err == nil {
				pool.Close()
				t.Fatalf("NewPool(0) with ALLCORE_NUM_THREADS=%q succeeded; want ErrInvalidArgument", value)
			}
			if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "ALLCORE_NUM_THREADS") {
				t.Errorf("NewPool(0) error = %v; want ErrInvalidArgument naming ALLCORE_NUM_THREADS", err)
			}
		})
	}
}
