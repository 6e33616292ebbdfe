//! The embedding scenario in Zig through `@cImport` of adead.h (see ../README.md):
//! load ../embed.asm, register the host function `gain`, pass tensors to `affine`,
//! read the output tensor, handle a host failure and a division by zero, print the
//! profile. Output goes through C's printf so that it does not depend on the Zig
//! version's std.io.
//!
//!   usage: main path/to/embed.asm

const std = @import("std");
const c = @cImport({
    @cInclude("stdio.h");
    @cInclude("adead.h");
});

/// Prints the error, frees it and exits: what every failure in this program means.
fn check(err: ?*c.adead_error_t, what: [*:0]const u8) void {
    if (err) |e| {
        _ = c.fprintf(c.stderr, "%s failed (kind %u): %s\n", what, @as(c_uint, c.adead_error_kind(e)), c.adead_error_message(e));
        c.adead_error_delete(e);
        std.process.exit(1);
    }
}

fn int(v: i64) c.adead_val_t {
    var val = std.mem.zeroes(c.adead_val_t);
    val.kind = c.ADEAD_I64;
    val.of.@"i64" = v;
    return val;
}

/// gain(n) = n / 2 as an f32; negative inputs fail the call (a `host` trap).
fn gain(env: ?*anyopaque, caller: ?*c.adead_caller_t, args: [*c]const c.adead_val_t, nargs: usize, result: [*c]c.adead_val_t) callconv(.c) ?*c.adead_error_t {
    _ = caller;
    _ = nargs;
    const calls: *u32 = @ptrCast(@alignCast(env.?));
    calls.* += 1;
    const n = args[0].of.@"i64";
    if (n < 0) {
        var message: [64]u8 = undefined;
        const text = std.fmt.bufPrintZ(&message, "gain: negative input {d}", .{n}) catch unreachable;
        return c.adead_error_new(text.ptr);
    }
    result[0].of.@"f32" = @as(f32, @floatFromInt(n)) / 2.0;
    return null;
}

fn printTrap(trap: ?*c.adead_trap_t) void {
    var fuel: u64 = 0;
    _ = c.printf("trap: %s (code %u) in %s (function %u) at pc %u", c.adead_trap_kind(trap), @as(c_uint, c.adead_trap_code(trap)), c.adead_trap_function(trap), @as(c_uint, c.adead_trap_function_index(trap)), @as(c_uint, c.adead_trap_pc(trap)));
    if (c.adead_trap_fuel_used(trap, &fuel)) {
        _ = c.printf(", fuel used %llu", @as(c_ulonglong, fuel));
    }
    _ = c.printf("\n");
}

pub fn main() void {
    const allocator = std.heap.page_allocator;
    const argv = std.process.argsAlloc(allocator) catch std.process.exit(1);
    defer std.process.argsFree(allocator, argv);
    if (argv.len != 2) {
        _ = c.fprintf(c.stderr, "usage: main embed.asm\n");
        std.process.exit(2);
    }
    const source = std.fs.cwd().readFileAlloc(allocator, argv[1], 1 << 20) catch {
        _ = c.fprintf(c.stderr, "cannot read %s\n", argv[1].ptr);
        std.process.exit(1);
    };
    defer allocator.free(source);

    const config = c.adead_config_new();
    check(c.adead_config_set_fuel(config, 1000000), "set fuel");
    const engine = c.adead_engine_new(config);
    c.adead_config_delete(config);
    defer c.adead_engine_delete(engine);

    var module: ?*c.adead_module_t = null;
    check(c.adead_module_from_asm(engine, source.ptr, source.len, "embed.asm", &module), "load");
    defer c.adead_module_delete(module);

    var gain_calls: u32 = 0;
    const imports = c.adead_imports_new();
    const params = [_]c.adead_valkind_t{c.ADEAD_I64};
    const result_kind: c.adead_valkind_t = c.ADEAD_F32;
    check(c.adead_imports_define(imports, "gain", &params, params.len, &result_kind, gain, &gain_calls, null), "define gain");
    var instance: ?*c.adead_instance_t = null;
    check(c.adead_instance_new(module, imports, &instance), "instantiate");
    c.adead_imports_delete(imports);

    // The inputs: x [2, 2], w [2, 2], b [2].
    const square = [_]usize{ 2, 2 };
    const row = [_]usize{2};
    const x = [_]f32{ 1, 2, 3, 4 };
    const w = [_]f32{ 1, 0.5, 2, -1 };
    const b = [_]f32{ 1, 0.5 };
    var hx: u64 = 0;
    var hw: u64 = 0;
    var hb: u64 = 0;
    check(c.adead_instance_tensor_new(instance, &square, 2, &x, x.len, &hx), "tensor x");
    check(c.adead_instance_tensor_new(instance, &square, 2, &w, w.len, &hw), "tensor w");
    check(c.adead_instance_tensor_new(instance, &row, 1, &b, b.len, &hb), "tensor b");

    var args = [_]c.adead_val_t{ int(@intCast(hx)), int(@intCast(hw)), int(@intCast(hb)), int(4) };
    var result = int(0);
    var trap: ?*c.adead_trap_t = null;
    check(c.adead_instance_call(instance, "affine", &args, args.len, &result, &trap), "call affine");
    if (trap != null) {
        printTrap(trap);
        std.process.exit(1);
    }
    const hy: u64 = @bitCast(result.of.@"i64");
    var shape: [c.ADEAD_TENSOR_MAX_RANK]usize = undefined;
    var rank: usize = 0;
    check(c.adead_instance_tensor_shape(instance, hy, &shape, shape.len, &rank), "shape");
    _ = c.printf("affine: shape [");
    for (shape[0..rank], 0..) |dim, i| {
        _ = c.printf(if (i == 0) "%zu" else ", %zu", dim);
    }
    _ = c.printf("]\naffine:");
    var y: [4]f32 = undefined;
    var count: usize = 0;
    check(c.adead_instance_tensor_read(instance, hy, &y, y.len, &count), "read");
    for (y[0..count]) |v| {
        _ = c.printf(" %g", @as(f64, v));
    }
    _ = c.printf("\n");
    var fuel: u64 = 0;
    if (c.adead_instance_fuel_used(instance, &fuel)) {
        _ = c.printf("affine: fuel used %llu\n", @as(c_ulonglong, fuel));
    }
    check(c.adead_instance_tensor_free(instance, hy), "free y");

    // gain(-1) fails: the call traps `host`, with the callback's message as detail.
    args[3] = int(-1);
    check(c.adead_instance_call(instance, "affine", &args, args.len, &result, &trap), "call affine");
    if (trap == null) {
        _ = c.printf("no trap?\n");
        std.process.exit(1);
    }
    _ = c.printf("host trap: %s (code %u) in %s at pc %u: %s\n", c.adead_trap_kind(trap), @as(c_uint, c.adead_trap_code(trap)), c.adead_trap_function(trap), @as(c_uint, c.adead_trap_pc(trap)), c.adead_trap_detail(trap));
    c.adead_trap_delete(trap);

    var numbers = [_]c.adead_val_t{ int(84), int(2) };
    check(c.adead_instance_call(instance, "divide", &numbers, numbers.len, &result, &trap), "call divide");
    _ = c.printf("divide(84, 2) = %lld\n", @as(c_longlong, result.of.@"i64"));
    numbers = .{ int(7), int(0) };
    check(c.adead_instance_call(instance, "divide", &numbers, numbers.len, &result, &trap), "call divide");
    if (trap == null) {
        _ = c.printf("no trap?\n");
        std.process.exit(1);
    }
    printTrap(trap);
    c.adead_trap_delete(trap);

    var profile: ?*c.adead_profile_t = null;
    check(c.adead_instance_profile(instance, &profile), "profile");
    var instructions: u64 = 0;
    _ = c.adead_profile_instructions(profile, &instructions);
    _ = c.printf("profile: %llu instructions", @as(c_ulonglong, instructions));
    var i: usize = 0;
    while (i < c.adead_profile_function_count(profile)) : (i += 1) {
        var function: c.adead_function_profile_t = undefined;
        if (c.adead_profile_function(profile, i, &function)) {
            _ = c.printf("; %s called %llu times", function.name, @as(c_ulonglong, function.calls));
        }
    }
    _ = c.printf("\n");
    c.adead_profile_delete(profile);

    c.adead_instance_delete(instance);
    _ = c.printf("gain called %u times\n", @as(c_uint, gain_calls));
}
