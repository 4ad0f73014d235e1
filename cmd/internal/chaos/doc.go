// Package chaos holds the chaos test of the train and experiment commands
// and nothing else: it builds both binaries, kills them with SIGKILL at
// random moments (seeded: the seed is printed, CHAOS_SEED repeats the
// plan), densely during checkpoint writes, reruns them until they finish,
// and checks after every attempt that nothing was lost and nothing is
// silently wrong: metrics.csv holds every step once with an uninterrupted
// run's losses, and the finished run, results.json and analysis.json equal
// an uninterrupted run's bit for bit.
//
// It runs only with CHAOS=1 (make test-chaos); CHAOS_KILLS sets the
// SIGKILLs per command (default 12).
package chaos
