package fit_test

import (
	"context"
	"fmt"
	"math"

	"github.com/empirical-scaling/harness/fit"
)

// Fit the log-linear law L = a·C^−b to five sizes with two seeds each and
// read the exponent with its 95% bootstrap interval.
func ExampleFitForm() {
	var pts []fit.Point
	for i, n := range []float64{1e6, 3e6, 1e7, 3e7, 1e8} {
		for seed := 1; seed <= 2; seed++ {
			c := 6 * n * 20 * n                                 // C = 6·N·D at D = 20·N
			noise := 1 + 0.004*float64(2*seed-3)*float64(1+i%2) // ±0.4–0.8%, fixed for the example
			pts = append(pts, fit.Point{
				Run: fmt.Sprintf("gelu-%g-s%d", n, seed), Activation: "gelu", Role: fit.RoleAnchor, Seed: seed,
				N: n, D: 20 * n, C: c, Loss: 20 * math.Pow(c, -0.05) * noise,
			})
		}
	}
	form, _ := fit.FormByName(fit.FormLogLinear)
	res, err := fit.FitForm(context.Background(), form, pts, "gelu", fit.BootOptions{Resamples: 200, Seed: 1})
	if err != nil || !res.OK() {
		panic(fmt.Sprint(err, res.Error))
	}
	b := res.Param("b")
	fmt.Printf("b = %.3f, 95%% interval [%.3f, %.3f] from %d runs\n", b.Value, b.Lo, b.Hi, res.Points)
	big := fit.Point{N: 3e8, D: 6e9, C: 6 * 3e8 * 6e9}
	fmt.Printf("predicted loss at C = %.2g: %.3f\n", big.C, res.Predict(big))
	// Output:
	// b = 0.050, 95% interval [0.048, 0.051] from 10 runs
	// predicted loss at C = 1.1e+19: 2.235
}
