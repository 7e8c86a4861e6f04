package allcore

import (
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestFib(t *testing.T) {
	for n, want := range map[int64]int64{
		0:  0,
		1:  1,
		2:  1,
		10: 55,
		30: 832040,
	} {
		got, err := Fib(n)
		if err != nil || got != want {
			t.Errorf("Fib(%d) = %d, %v; want %d, nil", n, got, err, want)
		}
	}
}

func TestFibErrors(t *testing.T) {
	for n, want := range map[int64]Status{-1: ErrInvalidArgument, 93: ErrOverflow} {
		_, err := Fib(n)
		if !errors.Is(err, want) {
			t.Errorf("Fib(%d) error = %v; want %v", n, err, want)
		}
		var detailed *Error
		if !errors.As(err, &detailed) || detailed.Op != "fib" || detailed.Detail == "" {
			t.Errorf("Fib(%d) error = %#v; want an *Error for op fib with a detail message", n, err)
		}
	}
}

func TestRangeSum(t *testing.T) {
	for _, c := range []struct{ start, stop, want int64 }{
		{0, 10, 45},
		{5, 5, 0},
		{10, 0, 0},
		{-5, 5, -5},
		{0, 1_000_000, 499_999_500_000},
	} {
		got, err := RangeSum(c.start, c.stop)
		if err != nil || got != c.want {
			t.Errorf("RangeSum(%d, %d) = %d, %v; want %d, nil", c.start, c.stop, got, err, c.want)
		}
	}
}

func TestRangeSumOverflowFailsAtOnce(t *testing.T) {
	// Each range would take years to iterate: a regression hangs the test.
	for _, c := range []struct{ start, stop int64 }{
		{math.MaxInt64 - 2, math.MaxInt64},
		{0, math.MaxInt64},
		{math.MinInt64, math.MaxInt64},
		{math.MinInt64, 0},
	} {
		got, err := RangeSum(c.start, c.stop)
		if !errors.Is(err, ErrOverflow) || got != 0 {
			t.Errorf("RangeSum(%d, %d) = %d, %v; want 0, ErrOverflow", c.start, c.stop, got, err)
		}
	}
}

func TestBusyLoop(t *testing.T) {
	if BusyLoop(1000) != BusyLoop(1000) {
		t.Error("BusyLoop(1000) differs between two runs")
	}
	if iterations, err := BusyLoopFor(time.Millisecond); err != nil || iterations == 0 {
		t.Errorf("BusyLoopFor(1ms) = %d, %v; want some iterations", iterations, err)
	}
	if _, err := BusyLoopFor(-time.Millisecond); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("BusyLoopFor(-1ms) error = %v; want ErrInvalidArgument", err)
	}
}

func TestAvailableCPUsAndVersion(t *testing.T) {
	if AvailableCPUs() < 1 {
		t.Errorf("AvailableCPUs() = %d; want at least 1", AvailableCPUs())
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(Version()) {
		t.Errorf("Version() = %q; want major.minor.patch", Version())
	}
}

func TestStatus(t *testing.T) {
	if got := ErrTimeout.String(); got != "AC_TIMEOUT" {
		t.Errorf("ErrTimeout.String() = %q", got)
	}
	if got := ErrWouldBlock.Error(); got != "allcore: would block" {
		t.Errorf("ErrWouldBlock.Error() = %q", got)
	}
	err := error(&Error{Op: "range sum", Status: ErrOverflow})
	if !errors.Is(err, ErrOverflow) || errors.Is(err, ErrTimeout) {
		t.Errorf("errors.Is on %v does not follow its status", err)
	}
	if !strings.HasPrefix(err.Error(), "allcore: range sum: overflow") {
		t.Errorf("Error() = %q", err.Error())
	}
}
