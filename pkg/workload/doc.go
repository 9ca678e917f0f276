// Package workload puts load on the board and counts the work it does, so
// a long run (thermal soak, bench, load test) can say how much throughput
// heat costs. A Workload runs in the background with a duty cycle a
// governor can lower and raise, and a counter of work units done.
//
// CPU is real: goroutines on every core run a fixed numeric kernel. Sim
// drives the simulated board's model through SetLoad and counts the work
// the modelled board would do. The Ollama-compatible HTTP load (issue 16)
// is meant to be one more implementation of the same interface.
package workload
