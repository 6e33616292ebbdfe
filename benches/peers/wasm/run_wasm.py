"""Run the WebAssembly peer (bench.wat compiled to bench.wasm) under wasmtime (Cranelift
JIT) or wasm3 (interpreter), through their Python packages.

    python3 run_wasm.py <wasmtime|wasm3> <fib|loop|sieve|mandel|nbody> <runs> [label] [size]

The module comes from $BENCH_WASM (default: bench.wasm next to this script; build it with
`wat2wasm bench.wat -o bench.wasm`). Only the exported call is timed, with
time.perf_counter(); compiling (wasmtime) or parsing and loading (wasm3) the module is
reported separately as compile_ms. wasm3 compiles each function lazily at its first call,
which lands in first_ms. Prints
    RESULT peer=<label> bench=<b> checksum=<c> median_ms=<m> min_ms=<m> first_ms=<f> runs=<r> compile_ms=<c>
"""
import os
import sys
import time


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    engine_name, bench, runs = sys.argv[1], sys.argv[2], max(1, int(sys.argv[3]))
    label = sys.argv[4] if len(sys.argv) > 4 else engine_name
    size = int(sys.argv[5]) if len(sys.argv) > 5 else None
    here = os.path.dirname(os.path.abspath(__file__))
    wasm_path = os.environ.get("BENCH_WASM") or os.path.join(here, "bench.wasm")
    with open(wasm_path, "rb") as f:
        wasm_bytes = f.read()

    sizes = {
        "fib": (30,),
        "loop": (100_000_000,),
        "sieve": (10_000_000, 3),
        "mandel": (600, 200),
        "nbody": (1_000_000,),
    }
    if bench not in sizes:
        sys.exit("unknown benchmark `%s` (fib, loop, sieve, mandel, nbody)" % bench)
    args = sizes[bench]
    if size is not None:
        args = (size,) + args[1:]

    if engine_name == "wasmtime":
        import wasmtime

        engine = wasmtime.Engine()  # default config: Cranelift, opt_level speed
        t0 = time.perf_counter()
        module = wasmtime.Module(engine, wasm_bytes)
        t1 = time.perf_counter()
        store = wasmtime.Store(engine)
        instance = wasmtime.Instance(store, module, [])
        func = instance.exports(store)[bench]

        def call():
            return func(store, *args)

    elif engine_name == "wasm3":
        import wasm3

        env = wasm3.Environment()
        runtime = env.new_runtime(1 << 20)  # 1 MiB operand stack
        t0 = time.perf_counter()
        module = env.parse_module(wasm_bytes)
        runtime.load(module)
        t1 = time.perf_counter()
        func = runtime.find_function(bench)

        def call():
            return func(*args)

    else:
        sys.exit("engine must be wasmtime or wasm3")

    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1e3)
    checksum = "%.9f" % result if isinstance(result, float) else "%d" % result
    first = times[0]
    times.sort()
    print(
        "RESULT peer=%s bench=%s checksum=%s median_ms=%.3f min_ms=%.3f first_ms=%.3f runs=%d compile_ms=%.3f"
        % (label, bench, checksum, times[runs // 2], times[0], first, runs, (t1 - t0) * 1e3)
    )


if __name__ == "__main__":
    main()
