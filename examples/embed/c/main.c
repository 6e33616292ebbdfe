/*
 * The embedding scenario in C (see ../README.md): load ../embed.asm, register the host
 * function `gain`, pass tensors to `affine`, read the output tensor, handle a host
 * failure and a division by zero, print the profile.
 *
 *   usage: main path/to/embed.asm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adead.h"

/* Prints the error, frees it and exits: what every failure in this program means. */
static void check(adead_error_t *error, const char *what) {
    if (error == NULL) {
        return;
    }
    fprintf(stderr, "%s failed (kind %u): %s\n", what, (unsigned)adead_error_kind(error),
            adead_error_message(error));
    adead_error_delete(error);
    exit(1);
}

/* The host function's user data: how often the module called it. */
typedef struct {
    int calls;
} gain_state;

/* gain(n) = n / 2 as an f32; negative inputs fail the call (a `host` trap). */
static adead_error_t *gain(void *env, adead_caller_t *caller, const adead_val_t *args,
                           size_t nargs, adead_val_t *result) {
    (void)caller;
    (void)nargs;
    gain_state *state = env;
    state->calls += 1;
    int64_t n = args[0].of.i64;
    if (n < 0) {
        char message[64];
        snprintf(message, sizeof message, "gain: negative input %lld", (long long)n);
        return adead_error_new(message);
    }
    result->of.f32 = (float)n / 2.0f;
    return NULL;
}

static char *read_file(const char *path, size_t *len) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        perror(path);
        exit(1);
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc((size_t)size);
    if (text == NULL || fread(text, 1, (size_t)size, file) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(file);
    *len = (size_t)size;
    return text;
}

static adead_val_t i64(int64_t v) {
    adead_val_t val;
    val.kind = ADEAD_I64;
    val.of.i64 = v;
    return val;
}

static void print_trap(const char *label, const adead_trap_t *trap) {
    uint64_t fuel = 0;
    printf("%s: %s (code %u) in %s (function %u) at pc %u", label, adead_trap_kind(trap),
           adead_trap_code(trap), adead_trap_function(trap), adead_trap_function_index(trap),
           adead_trap_pc(trap));
    if (adead_trap_fuel_used(trap, &fuel)) {
        printf(", fuel used %llu", (unsigned long long)fuel);
    }
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s embed.asm\n", argv[0]);
        return 2;
    }

    adead_config_t *config = adead_config_new();
    check(adead_config_set_fuel(config, 1000000), "set fuel");
    adead_engine_t *engine = adead_engine_new(config);
    adead_config_delete(config);

    size_t len = 0;
    char *source = read_file(argv[1], &len);
    adead_module_t *module = NULL;
    check(adead_module_from_asm(engine, source, len, "embed.asm", &module), "load");
    free(source);

    gain_state state = {0};
    adead_imports_t *imports = adead_imports_new();
    adead_valkind_t params[] = {ADEAD_I64};
    adead_valkind_t result_kind = ADEAD_F32;
    check(adead_imports_define(imports, "gain", params, 1, &result_kind, gain, &state, NULL),
          "define gain");
    adead_instance_t *instance = NULL;
    check(adead_instance_new(module, imports, &instance), "instantiate");
    adead_imports_delete(imports);

    /* The inputs: x [2, 2], w [2, 2], b [2]. */
    const size_t square[] = {2, 2};
    const size_t row[] = {2};
    const float x[] = {1, 2, 3, 4};
    const float w[] = {1, 0.5f, 2, -1};
    const float b[] = {1, 0.5f};
    uint64_t hx, hw, hb;
    check(adead_instance_tensor_new(instance, square, 2, x, 4, &hx), "tensor x");
    check(adead_instance_tensor_new(instance, square, 2, w, 4, &hw), "tensor w");
    check(adead_instance_tensor_new(instance, row, 1, b, 2, &hb), "tensor b");

    adead_val_t args[] = {i64((int64_t)hx), i64((int64_t)hw), i64((int64_t)hb), i64(4)};
    adead_val_t result;
    adead_trap_t *trap = NULL;
    check(adead_instance_call(instance, "affine", args, 4, &result, &trap), "call affine");
    if (trap != NULL) {
        print_trap("unexpected trap", trap);
        return 1;
    }
    uint64_t hy = (uint64_t)result.of.i64;
    size_t shape[ADEAD_TENSOR_MAX_RANK];
    size_t rank = 0;
    check(adead_instance_tensor_shape(instance, hy, shape, ADEAD_TENSOR_MAX_RANK, &rank), "shape");
    printf("affine: shape [");
    for (size_t i = 0; i < rank; i++) {
        printf(i ? ", %zu" : "%zu", shape[i]);
    }
    printf("]\n");
    float y[4];
    size_t count = 0;
    check(adead_instance_tensor_read(instance, hy, y, 4, &count), "read");
    printf("affine:");
    for (size_t i = 0; i < count; i++) {
        printf(" %g", (double)y[i]);
    }
    printf("\n");
    uint64_t fuel = 0;
    if (adead_instance_fuel_used(instance, &fuel)) {
        printf("affine: fuel used %llu\n", (unsigned long long)fuel);
    }
    check(adead_instance_tensor_free(instance, hy), "free y");

    /* gain(-1) fails: the call traps `host`, with the callback's message as detail. */
    args[3] = i64(-1);
    check(adead_instance_call(instance, "affine", args, 4, &result, &trap), "call affine");
    if (trap == NULL) {
        printf("no trap?\n");
        return 1;
    }
    printf("host trap: %s (code %u) in %s at pc %u: %s\n", adead_trap_kind(trap),
           adead_trap_code(trap), adead_trap_function(trap), adead_trap_pc(trap),
           adead_trap_detail(trap));
    adead_trap_delete(trap);

    adead_val_t numbers[] = {i64(84), i64(2)};
    check(adead_instance_call(instance, "divide", numbers, 2, &result, &trap), "call divide");
    printf("divide(84, 2) = %lld\n", (long long)result.of.i64);
    numbers[0] = i64(7);
    numbers[1] = i64(0);
    check(adead_instance_call(instance, "divide", numbers, 2, &result, &trap), "call divide");
    if (trap == NULL) {
        printf("no trap?\n");
        return 1;
    }
    print_trap("trap", trap);
    adead_trap_delete(trap);

    adead_profile_t *profile = NULL;
    check(adead_instance_profile(instance, &profile), "profile");
    uint64_t instructions = 0;
    adead_profile_instructions(profile, &instructions);
    printf("profile: %llu instructions", (unsigned long long)instructions);
    for (size_t i = 0; i < adead_profile_function_count(profile); i++) {
        adead_function_profile_t function;
        if (adead_profile_function(profile, i, &function)) {
            printf("; %s called %llu times", function.name, (unsigned long long)function.calls);
        }
    }
    printf("\n");
    adead_profile_delete(profile);

    adead_instance_delete(instance);
    adead_module_delete(module);
    adead_engine_delete(engine);
    printf("gain called %d times\n", state.calls);
    return 0;
}
