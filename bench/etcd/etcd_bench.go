// etcd_bench: the etcd side of issue 14's comparison, on the machine the FTQueue bench runs on.
// N clients share one clientv3 connection (as etcd's own `benchmark put --conns 1` does and as
// ftqueue_bench's clients share one multiplexed link) and, for a fixed time each:
//
//	put    16-byte values under 8-byte keys (etcd's benchmark defaults but the value size);
//	queue  etcd's queue recipe (contrib/recipes.Queue): each client an Enqueue then a Dequeue on
//	       its own queue, as ftqueue_bench's clients push and pop on their own queue; each call
//	       counts as one operation.
//	queue-shared  the same on one queue for all clients (their Dequeues contend for the head),
//	       as in the figures issue 14 quotes: 706 / 466 / 294 ops/s at 1 / 8 / 32 clients.
//
// Prints one line per round, a table, and with -json one JSON object per round.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
	recipe "go.etcd.io/etcd/contrib/recipes"
)

type result struct {
	Workload string  `json:"workload"`
	Clients  int     `json:"clients"`
	Ops      int     `json:"ops"`
	OpsPerS  float64 `json:"ops_per_s"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	Errors   int     `json:"errors"`
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

// One round: `clients` goroutines call op(client, i) until the deadline.
func round(workload string, clients int, d time.Duration, op func(c, i int) error) result {
	var mu sync.Mutex
	var lat []float64
	errors := 0
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var mine []float64
			bad := 0
			for i := 0; time.Now().Before(end); i++ {
				t0 := time.Now()
				if err := op(c, i); err != nil {
					bad++
					continue
				}
				mine = append(mine, float64(time.Since(t0).Microseconds())/1000)
			}
			mu.Lock()
			lat = append(lat, mine...)
			errors += bad
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	sort.Float64s(lat)
	return result{workload, clients, len(lat), float64(len(lat)) / elapsed,
		percentile(lat, 0.5), percentile(lat, 0.99), errors}
}

func main() {
	endpoints := flag.String("endpoints", "127.0.0.1:2379", "comma-separated client URLs")
	seconds := flag.Int("seconds", 5, "seconds per round")
	clientList := flag.String("clients", "1,8,32", "client counts")
	workloads := flag.String("workloads", "put,queue", "comma-separated: put, queue, queue-shared")
	asJSON := flag.Bool("json", false, "also print one JSON object per round")
	flag.Parse()

	for _, w := range strings.Split(*workloads, ",") {
		if w != "put" && w != "queue" && w != "queue-shared" {
			fmt.Fprintln(os.Stderr, "etcd_bench: unknown workload:", w, "(put, queue, queue-shared)")
			os.Exit(2)
		}
	}
	for _, s := range strings.Split(*clientList, ",") {
		if n, err := strconv.Atoi(s); err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "etcd_bench: bad client count:", s)
			os.Exit(2)
		}
	}

	cli, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(*endpoints, ","),
		DialTimeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd_bench: cannot connect:", err)
		os.Exit(1)
	}
	defer cli.Close()
	value := strings.Repeat("v", 16)
	timeout := 5 * time.Second
	var results []result
	for _, w := range strings.Split(*workloads, ",") {
		for _, s := range strings.Split(*clientList, ",") {
			n, _ := strconv.Atoi(s) // checked above
			var r result
			switch w {
			case "put":
				r = round(w, n, time.Duration(*seconds)*time.Second, func(c, i int) error {
					ctx, cancel := context.WithTimeout(context.Background(), timeout)
					defer cancel()
					_, err := cli.Put(ctx, fmt.Sprintf("%08x", (c*7919+i)%100000), value)
					return err
				})
			case "queue", "queue-shared":
				// The trailing '/' keeps one queue's prefix from matching another's keys
				// (q-1 would read q-10's elements). A client dequeues only after an enqueue of
				// its own, because the recipe's Dequeue waits for ever on an empty queue: on a
				// shared queue, too, there is then an element for every pending Dequeue.
				queues := make([]*recipe.Queue, n)
				held := make([]int, n)
				for c := range queues {
					name := fmt.Sprintf("bench-q-%d-%d/", n, c)
					if w == "queue-shared" {
						name = fmt.Sprintf("bench-shared-q-%d/", n)
					}
					queues[c] = recipe.NewQueue(cli, name)
				}
				r = round(w, n, time.Duration(*seconds)*time.Second, func(c, i int) error {
					if held[c] == 0 {
						err := queues[c].Enqueue(value)
						if err == nil {
							held[c]++
						}
						return err
					}
					_, err := queues[c].Dequeue()
					if err == nil {
						held[c]--
					}
					return err
				})
			}
			fmt.Printf("etcd %s clients=%d ops/s=%.0f\n", r.Workload, r.Clients, r.OpsPerS)
			results = append(results, r)
		}
	}
	fmt.Printf("%-9s %7s %8s %7s %7s %6s\n", "WORKLOAD", "CLIENTS", "OPS/S", "P50_MS", "P99_MS", "ERRORS")
	for _, r := range results {
		fmt.Printf("%-9s %7d %8.0f %7.2f %7.2f %6d\n", r.Workload, r.Clients, r.OpsPerS, r.P50Ms, r.P99Ms, r.Errors)
	}
	if *asJSON {
		for _, r := range results {
			b, _ := json.Marshal(r)
			fmt.Println(string(b))
		}
	}
}
