/*
 * sgemm_bench times OpenBLAS's cblas_sgemm (row-major, no transposes,
 * alpha = 1, beta = 0) on the shapes given as arguments ("MxNxK ..."),
 * the same shapes and operation as the Go benchmark BenchmarkSgemm in
 * kernels/cpu/gemm. It prints one line per shape: "MxNxK GFLOP/s".
 *
 * The thread count comes from OPENBLAS_NUM_THREADS, as usual for OpenBLAS.
 * Each shape gets a warm-up call, then is repeated until at least
 * SGEMM_BENCH_SECONDS (environment, default 1) have passed; the best of
 * three such rounds is reported.
 * Kept out of the Go build: this folder holds no Go files.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS 3

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fill(float *x, size_t n, unsigned *seed) {
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 1664525u + 1013904223u;
		x[i] = (float)((*seed >> 8) & 0xffff) / 65536.0f - 0.5f;
	}
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: %s MxNxK [MxNxK ...]\n", argv[0]);
		return 2;
	}
	double min_seconds = 1.0;
	const char *env = getenv("SGEMM_BENCH_SECONDS");
	if (env && (min_seconds = atof(env)) <= 0) {
		fprintf(stderr, "sgemm_bench: bad SGEMM_BENCH_SECONDS \"%s\"\n", env);
		return 2;
	}
	for (int s = 1; s < argc; s++) {
		int m, n, k;
		if (sscanf(argv[s], "%dx%dx%d", &m, &n, &k) != 3 || m <= 0 || n <= 0 || k <= 0) {
			fprintf(stderr, "sgemm_bench: bad shape \"%s\", want MxNxK\n", argv[s]);
			return 2;
		}
		float *a = malloc(sizeof(float) * (size_t)m * k);
		float *b = malloc(sizeof(float) * (size_t)k * n);
		float *c = malloc(sizeof(float) * (size_t)m * n);
		if (!a || !b || !c) {
			fprintf(stderr, "sgemm_bench: out of memory for shape %s\n", argv[s]);
			return 1;
		}
		unsigned seed = 1;
		fill(a, (size_t)m * k, &seed);
		fill(b, (size_t)k * n, &seed);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
		double best = 0;
		for (int r = 0; r < ROUNDS; r++) {
			long iters = 0;
			double t0 = now(), t;
			do {
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
				iters++;
				t = now() - t0;
			} while (t < min_seconds);
			double gflops = 2.0 * m * n * k * iters / t / 1e9;
			if (gflops > best) best = gflops;
		}
		printf("%dx%dx%d %.2f\n", m, n, k, best);
		fflush(stdout);
		free(a);
		free(b);
		free(c);
	}
	return 0;
}
