package synth

import (
	"fmt"
	"testing"
	"time"
)

func TestScratchK(t *testing.T) {
	c, err := NewKnowledge(1, Knobs{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		fmt.Printf("%s\n---\n", c.AppendStory(nil))
	}
	buf := make([]byte, 0, 1<<20)
	n := 0
	st := time.Now()
	for i := 0; i < 200000; i++ {
		buf = c.AppendStory(buf[:0])
		n += len(buf)
	}
	el := time.Since(st)
	fmt.Printf("%.1f MB/s, avg %d bytes\n", float64(n)/el.Seconds()/1e6, n/200000)
}
