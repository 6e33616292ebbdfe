/*
 * The cost of one call through the C ABI, from C: an exported identity function
 * (`ret r0`) called through adead_instance_call in a loop; the best of several rounds,
 * in ns per call, under the interpreter alone and under the default tier policy.
 * Built and run by benches/capi_call.sh.
 *
 *   usage: call [calls-per-round] [rounds]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adead.h"

static const char IDENTITY[] = ".func id params=1 regs=1\n    ret r0\n.end\n.export id\n";

static void check(adead_error_t *error, const char *what) {
    if (error != NULL) {
        fprintf(stderr, "%s: %s\n", what, adead_error_message(error));
        adead_error_delete(error);
        exit(1);
    }
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static double measure(adead_tier_t tier, long calls, int rounds) {
    adead_config_t *config = adead_config_new();
    check(adead_config_set_tier(config, tier), "tier");
    adead_engine_t *engine = adead_engine_new(config);
    adead_config_delete(config);
    adead_module_t *module = NULL;
    check(adead_module_from_asm(engine, IDENTITY, strlen(IDENTITY), NULL, &module), "load");
    adead_instance_t *instance = NULL;
    check(adead_instance_new(module, NULL, &instance), "instantiate");

    double best = 1e300;
    for (int round = 0; round < rounds; round++) {
        double start = now_ns();
        for (long i = 0; i < calls; i++) {
            adead_val_t arg;
            arg.kind = ADEAD_I64;
            arg.of.i64 = i;
            adead_val_t result;
            adead_trap_t *trap = NULL;
            check(adead_instance_call(instance, "id", &arg, 1, &result, &trap), "call");
            if (trap != NULL || result.of.i64 != i) {
                fprintf(stderr, "call %ld: wrong result\n", i);
                exit(1);
            }
        }
        double per_call = (now_ns() - start) / (double)calls;
        if (per_call < best) {
            best = per_call;
        }
    }
    adead_instance_delete(instance);
    adead_module_delete(module);
    adead_engine_delete(engine);
    return best;
}

int main(int argc, char **argv) {
    long calls = argc > 1 ? atol(argv[1]) : 2000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    printf("RESULT peer=c bench=call_identity tier=interp ns_per_call=%.1f calls=%ld rounds=%d\n",
           measure(ADEAD_TIER_INTERP, calls, rounds), calls, rounds);
    printf("RESULT peer=c bench=call_identity tier=auto ns_per_call=%.1f calls=%ld rounds=%d\n",
           measure(ADEAD_TIER_AUTO, calls, rounds), calls, rounds);
    return 0;
}
