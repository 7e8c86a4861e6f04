package allcore

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// exampleOutputs is what each program in examples/ must print, exactly:
// every example is written so that its output does not depend on how the
// goroutines interleave.
var exampleOutputs = map[string]string{
	"ticket_selling": `windows: 4
tickets sold: 1000
tickets left: 0
seats sold twice: 0
`,
	"bank_transfers": `total before: 6000
clerks finished: 8 of 8
transfers: 16000
total after: 6000
`,
	"dining_philosophers": `philosopher 0 ate 200 meals
philosopher 1 ate 200 meals
philosopher 2 ate 200 meals
philosopher 3 ate 200 meals
philosopher 4 ate 200 meals
no deadlock
`,
	"red_light": `light: red
cars passed at red: 0
light: green
cars passed at green: [1 2 3]
car 4 arrived at green and passed: true
light: red
car 5 waits at red: true
`,
	"barrier_start_line": `race 1: 5 runners started together, arrival indexes [0 1 2 3 4], false starts 0
race 2: 5 runners started together, arrival indexes [0 1 2 3 4], false starts 0
race 3: 5 runners started together, arrival indexes [0 1 2 3 4], false starts 0
barrier broken: false
`,
	"semaphore_workers": `jobs done: 12
most working at once: 3 (limit 3)
permits free at the end: 3
releasing a permit never taken fails: allcore: semaphore release: overflow
`,
	"latch_runners": `referee waits for 4 runners
runners finished: [1 2 3 4]
count left: 0
referee: the race is over
`,
	"producer_consumer": `producers: 3, consumers: 2, queue capacity: 4
items consumed: 30, each exactly once: true
each consumer saw each producer's items in order: true
put after shutdown fails: allcore: queue put: closed
`,
	"priority_jobs": `queued 6 jobs
run fix production outage  45 min
run rotate leaked key       5 min
run answer support ticket  10 min
run review pull request    20 min
run write release notes    30 min
run update dependencies    15 min
all jobs done, unfinished: 0
worker stopped: allcore: queue get: closed
`,
	"pubsub": `subscribers: 3
sent "test" to 3 subscribers
sent "sale starts" to 3 subscribers
task2 detached
sent "sale ends" to 2 subscribers
logger received ["msg[1]: test" "msg[2]: sale starts" "msg[3]: sale ends"]
task1 received ["test" "sale starts" "sale ends"]
task2 received ["test" "sale starts"]
`,
}

// TestExamples builds every program in examples/ and checks its output.
func TestExamples(t *testing.T) {
	found, err := filepath.Glob("examples/*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != len(exampleOutputs) {
		t.Fatalf("examples/ holds %d programs, the test knows %d", len(found), len(exampleOutputs))
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator), "./examples/...")
	if output, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/...: %v\n%s", err, output)
	}
	for name, want := range exampleOutputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			output, err := exec.CommandContext(ctx, filepath.Join(bin, name)).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, output)
			}
			if got := string(output); got != want {
				t.Fatalf("%s printed:\n%s\nwant:\n%s", name, got, strings.TrimSuffix(want, "\n"))
			}
		})
	}
}
