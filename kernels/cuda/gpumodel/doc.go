// Package gpumodel holds the whole-model check of the CUDA backend: the
// same GPT (same seed, same batch) on the CPU device and on CUDA must give
// the same loss and gradients within stated tolerances, and a short
// training run must follow the same loss curve. It is a separate package
// so that the cuda package's own tests do not depend on nn, optim and the
// CPU device. Its tests skip without a CUDA device.
package gpumodel
