//go:build !amd64 || noasm

package cpu

// adamwRange is adamwGo: no assembly on this build.
func adamwRange(w, g, m, v []float32, k *adamwConsts) { adamwGo(w, g, m, v, k) }
