// Package fit turns the results of a scaling sweep into power-law fits with
// bootstrap intervals, holdout predictions and a verdict on whether SwiGLU
// shifts the scaling exponent or only the constant. It is the math alone:
// it reads and writes no files and draws nothing, so it can be imported
// without gonum/plot (fit/report presents an Analysis; fit/results reads
// points from a sweep folder or a CSV file).
//
// Three laws are fitted:
//
//   - log-linear L = a·C^−b (least squares on log L against log C),
//   - saturating L = E + a·C^−b with 0 < E < min L (nonlinear least squares
//     on log L, gonum L-BFGS from several starts),
//   - Chinchilla approach 3, L(N, D) = E + A/N^α + B/D^β, fitted as in
//     Hoffmann et al. 2022 and Besiroglu et al. 2024: the log-sum-exp form
//     log L = LSE(a − α log N, b − β log D, e) with A = e^a, B = e^b,
//     E = e^e, a Huber loss (δ = 1e−3) summed over the residuals of log L,
//     L-BFGS from a grid of starts, the lowest final objective winning.
//
// The verdict rests on the compute law the data support (LawChoice: each
// law is checked on the holdouts, or on each anchor size left out, and the
// log-linear law's residuals are tested for curvature), is made under every
// law, and its headline says whether its law predicted the runs it was not
// fitted to (Verdict.Qualified). The seed notebook's fixed 5% rule is
// computed beside it (SeedRule).
//
// The package does not import the experiment package: callers convert their
// runs into Point values (see fit/results for the sweep's files).
package fit
