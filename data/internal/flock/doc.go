// Package flock holds advisory locks on files (flock(2) on linux and
// darwin): a lock lives exactly as long as the process that holds it, so
// another process can tell a folder in use from one left by a process that
// was killed. Elsewhere locks are not available: Create still makes the
// file, and Held always answers true, so nothing is ever taken for stale.
package flock
