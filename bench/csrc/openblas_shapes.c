// OpenBLAS, one thread, on the shapes bench's kernel table names on its command line: the calls
// and the timing of ../shared/bench/sgemm_bench.c (thread CPU time, calls per repeat calibrated
// to a target time, the median of the repeats), with shapes it does not have (A·Bᵀ, the
// 10,000-row batch products). bench writes this file to a temporary folder and builds it with
//
//	gcc -O2 -o openblas_shapes openblas_shapes.c -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas
//
// Usage: OPENBLAS_NUM_THREADS=1 ./openblas_shapes REPS SECONDS OP M N K [OP M N K ...]
// OP: nn (C = A·B), tn (C = Aᵀ·B, A stored k×m), nt (C = A·Bᵀ, B stored n×k), gemv (y = Wᵀx,
// W k×n). Prints, per shape, "SHAPE op m n k median_us min_us max_us", and first the core
// OpenBLAS chose.
#define _GNU_SOURCE
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}
static int cmpd(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}
static float *mk(size_t n) {
	float *p = aligned_alloc(64, ((n * 4 + 63) / 64) * 64);
	for (size_t i = 0; i < n; i++) p[i] = (float)((i * 7919) % 1000) * 1e-3f - 0.5f;
	return p;
}

static void call(const char *op, int M, int N, int K, float *A, float *B, float *C) {
	if (!strcmp(op, "gemv"))
		cblas_sgemv(CblasRowMajor, CblasTrans, K, N, 1.f, B, N, A, 1, 0.f, C, 1);
	else if (!strcmp(op, "tn"))
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, K, 1.f, A, M, B, N, 0.f, C, N);
	else if (!strcmp(op, "nt"))
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.f, A, K, B, K, 0.f, C, N);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.f, A, K, B, N, 0.f, C, N);
}

int main(int argc, char **argv) {
	if (argc < 7 || (argc - 3) % 4 != 0) {
		fprintf(stderr, "usage: %s REPS SECONDS OP M N K [OP M N K ...]\n", argv[0]);
		return 2;
	}
	int reps = atoi(argv[1]);
	double target = atof(argv[2]);
	if (reps < 1 || reps > 64) reps = 5;
	printf("CORE %s\n", openblas_get_corename());
	for (int a = 3; a + 3 < argc; a += 4) {
		const char *op = argv[a];
		int M = atoi(argv[a + 1]), N = atoi(argv[a + 2]), K = atoi(argv[a + 3]);
		float *A = mk((size_t)M * K), *B = mk((size_t)K * N), *C = mk((size_t)M * N);
		long n = 1;
		for (;;) {
			double t = now();
			for (long i = 0; i < n; i++) call(op, M, N, K, A, B, C);
			t = now() - t;
			if (t > target / 4) {
				n = (long)(n * target / t) + 1;
				break;
			}
			n *= 4;
		}
		double us[64];
		for (int r = 0; r < reps; r++) {
			double t = now();
			for (long i = 0; i < n; i++) call(op, M, N, K, A, B, C);
			us[r] = (now() - t) / n * 1e6;
		}
		qsort(us, reps, sizeof us[0], cmpd);
		printf("SHAPE %s %d %d %d %.4f %.4f %.4f\n", op, M, N, K, us[reps / 2], us[0], us[reps - 1]);
		free(A);
		free(B);
		free(C);
	}
	return 0;
}
