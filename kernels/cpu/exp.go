package cpu

import "math"

// exp32 is e^x in float32 to about 1 ulp (Cephes' expf: Cody–Waite
// reduction x = n·ln2 + r, |r| ≤ ln2/2, then a degree-6 polynomial), several
// times faster than math.Exp. Below −87.3 it returns 0, above 88.7 +Inf;
// NaN stays NaN.
func exp32(x float32) float32 {
	switch {
	case x != x:
		return x
	case x < -87.3:
		return 0
	case x > 88.7:
		return float32(math.Inf(1))
	}
	t := x * 1.44269504088896341 // x/ln2
	if t < 0 {
		t -= 0.5
	} else {
		t += 0.5
	}
	n := float32(int32(t))
	r := x - n*0.693359375 - n*-2.12194440e-4 // ln2 split in a short and a long part
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	y := p*r*r + r + 1
	// 2^n by building the exponent; n ≥ −126 here, so 2^n is normal.
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// expShiftGo sets x[i] = e^(x[i]−shift) for every element and returns
// their sum: exp32 unrolled into the loop for the softmax rows, for
// arguments ≤ 0 (x ≤ shift). Results below e^−87.3 come out as about
// 1e−38 instead of 0, which no sum of probabilities can see; NaN stays NaN.
// expShift is this loop or an assembly version of it.
func expShiftGo(x []float32, shift float32) float32 {
	var sum float32
	for i, v := range x {
		v -= shift
		if v < -87.3 { // (a branch: max() would add NaN and ±0 handling)
			v = -87.3
		}
		// v ≤ 0, so truncating v/ln2 − 0.5 rounds v/ln2 to the nearest integer.
		n := float32(int32(v*1.44269504088896341 - 0.5))
		r := v - n*0.693359375 - n*-2.12194440e-4
		p := float32(1.9875691500e-4)
		p = p*r + 1.3981999507e-3
		p = p*r + 8.3334519073e-3
		p = p*r + 4.1665795894e-2
		p = p*r + 1.6666665459e-1
		p = p*r + 5.0000001201e-1
		e := (p*r*r + r + 1) * math.Float32frombits(uint32(int32(n)+127)<<23)
		x[i] = e
		sum += e
	}
	return sum
}
