// Command bank_transfers moves money between 6 accounts from 8 goroutines
// at once. Each transfer locks both accounts with allcore.LockAll, which
// takes all the locks or none, so two transfers in opposite directions
// cannot deadlock, and the bank's total never changes.
package main

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"sync"

	allcore "github.com/allcore/allcore/bindings/go"
)

type account struct {
	lock    *allcore.Mutex
	balance int
}

func main() {
	const accounts, clerks, transfers = 6, 8, 2000
	bank := make([]*account, accounts)
	for i := range bank {
		lock, err := allcore.NewMutex()
		if err != nil {
			log.Fatal(err)
		}
		defer lock.Close()
		bank[i] = &account{lock: lock, balance: 1000}
	}
	total := func() int {
		sum := 0
		for _, a := range bank {
			sum += a.balance
		}
		return sum
	}
	fmt.Printf("total before: %d\n", total())

	ctx := context.Background()
	var wg sync.WaitGroup
	var done sync.Mutex
	completed := 0
	for clerk := range clerks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			random := rand.New(rand.NewPCG(uint64(clerk), 42))
			for range transfers {
				from, to := random.IntN(accounts), random.IntN(accounts-1)
				if to >= from {
					to++
				}
				a, b := bank[from], bank[to]
				if err := allcore.LockAll(ctx, a.lock, b.lock); err != nil {
					log.Fatal(err)
				}
				amount := random.IntN(100)
				if a.balance >= amount {
					a.balance -= amount
					b.balance += amount
				}
				if err := allcore.UnlockAll(a.lock, b.lock); err != nil {
					log.Fatal(err)
				}
			}
			done.Lock()
			completed++
			done.Unlock()
		}()
	}
	wg.Wait()
	fmt.Printf("clerks finished: %d of %d\n", completed, clerks)
	fmt.Printf("transfers: %d\n", clerks*transfers)
	fmt.Printf("total after: %d\n", total())
}
