/* vcpu-pingpong.c — how far apart two CPUs are, as the round trip of one
 * cache line between a thread on each (bench/run.sh prints it beside every
 * --workers 2 run).
 *
 * Why: on a VM the host may place the two vCPUs on cores that share a
 * last-level cache or on cores that do not (measured here: a round trip of
 * 52-91 ns, or 250-1,500 ns, in phases of minutes).  trustwire's threads
 * hand frames and rendered lines to each other, so in the second case the
 * same --workers 2 run costs about 1.6 times the CPU, while two independent
 * processes pinned to the same two vCPUs are not slowed at all.
 *
 * Usage: vcpu-pingpong [CPU_A CPU_B]   (default 0 1); prints the mean round
 * trip in ns of ROUNDS hand-offs; exit 2 if a CPU cannot be pinned. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setaffinity_np */
#endif
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS 200000

static _Alignas(64) atomic_int turn; /* 1: the other thread's turn */
static int cpu_b;
static int pin_failed;

static int pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *other(void *unused)
{
    (void)unused;
    if (pin(cpu_b) != 0) {
        pin_failed = 1;
        atomic_store(&turn, -1);
        return NULL;
    }
    for (int i = 0; i < ROUNDS; i++) {
        while (atomic_load_explicit(&turn, memory_order_acquire) != 1)
            ;
        atomic_store_explicit(&turn, 0, memory_order_release);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int cpu_a = argc > 2 ? atoi(argv[1]) : 0;
    cpu_b = argc > 2 ? atoi(argv[2]) : 1;
    if (pin(cpu_a) != 0) {
        fprintf(stderr, "vcpu-pingpong: cannot run on CPU %d\n", cpu_a);
        return 2;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, other, NULL) != 0)
        return 2;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < ROUNDS; i++) {
        atomic_store_explicit(&turn, 1, memory_order_release);
        int v;
        while ((v = atomic_load_explicit(&turn, memory_order_acquire)) == 1)
            ;
        if (v < 0)
            break;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    pthread_join(t, NULL);
    if (pin_failed) {
        fprintf(stderr, "vcpu-pingpong: cannot run on CPU %d\n", cpu_b);
        return 2;
    }
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / ROUNDS;
    printf("%.0f\n", ns);
    return 0;
}
