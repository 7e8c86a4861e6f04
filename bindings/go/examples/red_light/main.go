// Command red_light models a traffic light with an allcore Event: the flag
// raised means green. Cars arriving at a red light wait on the event; when
// the light turns green they all drive on, and cars arriving while it is
// green pass at once.
package main

import (
	"context"
	"fmt"
	"log"
	"slices"
	"sync"
	"time"

	allcore "github.com/allcore/allcore/bindings/go"
)

func main() {
	green, err := allcore.NewEvent()
	if err != nil {
		log.Fatal(err)
	}
	defer green.Close()
	ctx := context.Background()

	var mu sync.Mutex
	var passed []int
	var wg sync.WaitGroup
	drive := func(car int) {
		defer wg.Done()
		if err := green.Wait(ctx); err != nil {
			log.Fatal(err)
		}
		mu.Lock()
		passed = append(passed, car)
		mu.Unlock()
	}

	fmt.Println("light: red")
	for car := 1; car <= 3; car++ {
		wg.Add(1)
		go drive(car)
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	fmt.Printf("cars passed at red: %d\n", len(passed))
	mu.Unlock()

	fmt.Println("light: green")
	if err := green.Set(); err != nil {
		log.Fatal(err)
	}
	wg.Wait()
	slices.Sort(passed)
	fmt.Printf("cars passed at green: %v\n", passed)

	wg.Add(1)
	go drive(4)
	wg.Wait()
	fmt.Printf("car 4 arrived at green and passed: %v\n", slices.Contains(passed, 4))

	fmt.Println("light: red")
	if err := green.Clear(); err != nil {
		log.Fatal(err)
	}
	err = green.WaitTimeout(20 * time.Millisecond)
	fmt.Printf("car 5 waits at red: %v\n", err != nil)
}
