package cuda

// launchedKernels lists every PTX entry the launchers of this package ask
// for (they build the names from these stems and the dtype suffixes). A
// CPU test checks that the embedded PTX defines each of them, so a missing
// or renamed kernel fails in CI instead of on the GPU.
func launchedKernels() []string {
	var out []string
	one := []string{"f32", "bf16"}
	two := []string{"f32_f32", "bf16_bf16", "f32_bf16", "bf16_f32"}
	add := func(stems []string, sfx []string) {
		for _, s := range stems {
			for _, x := range sfx {
				out = append(out, s+"_"+x)
			}
		}
	}
	add([]string{
		"fill", "add", "gelu_fwd", "gelu_bwd", "swiglu_fwd", "swiglu_bwd",
		"layernorm_fwd", "layernorm_bwd_dx", "layernorm_bwd_fused", "layernorm_bwd_partial", "layernorm_bwd_final",
		"crossentropy", "embedding_fwd", "embedding_bwd_wpe", "embedding_bwd_wte",
		"attention_fwd", "attention_bwd_delta", "attention_bwd_dq", "attention_bwd_dkv",
		"sumsq_partial", "gemm",
	}, one)
	add([]string{"copy", "accumulate", "adamw"}, two)
	return append(out, "crossentropy_mean", "sumsq_final")
}
