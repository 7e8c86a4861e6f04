package allcore_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	allcore "github.com/allcore/allcore/bindings/go"
)

func ExampleFib() {
	value, err := allcore.Fib(30)
	fmt.Println(value, err)
	_, err = allcore.Fib(93)
	fmt.Println(errors.Is(err, allcore.ErrOverflow))
	// Output:
	// 832040 <nil>
	// true
}

func ExamplePool_Map() {
	pool, err := allcore.NewPool(0)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	values, err := pool.Map(allcore.KernelFib, []int64{10, 20, 30})
	fmt.Println(values, err)
	// Output: [55 6765 832040] <nil>
}

func ExamplePool_Submit() {
	pool, err := allcore.NewPool(2)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	future, err := pool.Submit(func() int64 { return 6 * 7 })
	if err != nil {
		log.Fatal(err)
	}
	defer future.Close()
	fmt.Println(future.Result(context.Background()))
	// Output: 42 <nil>
}

func ExamplePool_ParallelFor() {
	pool, err := allcore.NewPool(0)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	squares := make([]int, 8)
	err = pool.ParallelFor(len(squares), 2, func(begin, end int) {
		for i := begin; i < end; i++ {
			squares[i] = i * i
		}
	})
	fmt.Println(squares, err)
	// Output: [0 1 4 9 16 25 36 49] <nil>
}
