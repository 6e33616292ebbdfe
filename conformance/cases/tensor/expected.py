"""Expected values of the tensor conformance cases that are not worked out by hand.

    python3 expected.py            # every section
    python3 expected.py matmul     # one section

Each section rebuilds a case's inputs exactly as its assembly does (the same integer
formulas, the same f32 divisions), runs the op as the ISA defines it with f32ref.py
(standard-library binary32 arithmetic, nothing from the VM or adead-kernels), and
prints the directives and the literal values the case states.
"""

import math
import sys

import f32ref as f


def show_bits(label, values, indices):
    for i in indices:
        print("%s[%d]: ;! stdout %d   (%s)" % (label, i, f.bits(values[i]), f.shortest(values[i])))


def elementwise():
    count, row_len = 300 * 131, 131
    a = f.fill(count, 37, 101, 50, 7.0)
    b = f.fill(count, 53, 97, 48, 3.0)
    row = f.fill(row_len, 11, 29, 14, 5.0)
    tenth = f.f32(0.1)
    c = [f.add(x, y) for x, y in zip(a, b)]
    c = [f.mul(x, y) for x, y in zip(c, a)]
    c = [f.sub(x, row[i % row_len]) for i, x in enumerate(c)]
    s = [f.mul(x, tenth) for x in c]
    r = [f.relu(x) for x in s]
    print(f.memhash(65536, s))
    print(f.memhash(262144, r))
    show_bits("s", s, [0, 2, 39201])
    show_bits("r", r, [0, 2, 39201])


# ---------------------------------------------------------------- activations

ULP_INPUTS = {
    "exp": [-103.9, -100.0, -87.5, -50.25, -20.0, -10.5, -3.3, -1.0, -0.5, -1e-3, -1e-7, 1e-7,
            1e-3, 0.1, 0.5, 0.6931472, 1.0, 2.5, 10.0, 20.75, 42.0, 59.306, 80.0, 88.7],
    "tanh": [-9.0, -5.0, -2.0, -0.7, -0.625, -0.62831, -0.3, -0.01, -1e-5, 1e-30, 1e-5, 0.01,
             0.1, 0.3, 0.5, 0.62, 0.6249999, 0.625, 0.62831, 0.63, 1.0, 2.0, 4.5, 8.75],
    "sigmoid": [-103.0, -90.0, -50.0, -20.0, -10.0, -4.1573, -2.0, -1.0, -0.5, -0.01, -1e-6, 1e-6,
                0.01, 0.5, 1.0, 2.0, 4.1573, 5.0, 8.0, 10.0, 15.0, 16.5, 17.0, 30.0],
    "gelu": [-10.0, -5.0, -4.0, -3.0, -2.0, -1.0, -0.5, -0.1, -1e-3, 1e-3, 0.1, 0.5, 1.0, 2.0,
             3.0, 5.0],
}
TRUTH = {
    "exp": math.exp,
    "tanh": math.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
}
BOUND = {"exp": f.EXP_MAX_ULP, "tanh": f.TANH_MAX_ULP, "sigmoid": f.SIGMOID_MAX_ULP}
OURS = {"exp": f.exp, "tanh": f.tanh, "sigmoid": f.sigmoid, "gelu": f.gelu}


def ulp_of(truth):
    """The spacing of binary32 at the f32 nearest `truth` (2^-149 below the normal range)."""
    nearest = abs(f.f32(truth))
    if nearest == 0:
        return 2.0**-149
    exponent = math.frexp(nearest)[1]  # nearest = m * 2^exponent, 0.5 <= m < 1
    return math.ldexp(1.0, max(exponent - 24, -149))


def f32_at_least(value):
    """The smallest f32 >= value (value a finite double)."""
    y = f.f32(value)
    if y < value:
        y = next_f32(y, up=True)
    return y


def f32_at_most(value):
    y = f.f32(value)
    if y > value:
        y = next_f32(y, up=False)
    return y


def next_f32(y, up):
    b = f.bits(y)
    if y == 0:
        return f.from_bits(1) if up else f.from_bits(0x80000001)
    if (y > 0) == up:
        return f.from_bits(b + 1)
    return f.from_bits(b - 1)


def f32_data(label, values, per_line=4):
    print("    ; %s: %s" % (label, ", ".join(f.shortest(v) for v in values)))
    for i in range(0, len(values), per_line):
        chunk = values[i : i + per_line]
        print("    .f32 " + ", ".join("0x%08x" % f.bits(v) for v in chunk))


def activations():
    for name, raw in ULP_INPUTS.items():
        xs = [f.f32(x) for x in raw]
        ys = [OURS[name](x) for x in xs]
        print("-- %s: inputs (data .f32 lines)" % name)
        f32_data("x", xs)
        if name in TRUTH:
            lows, highs = [], []
            for x, y in zip(xs, ys):
                truth = TRUTH[name](x)
                slack = BOUND[name] * ulp_of(truth)
                lo, hi = f32_at_least(truth - slack), f32_at_most(truth + slack)
                assert lo <= y <= hi, (name, x, y, lo, hi)  # our emulation meets the bound
                lows.append(lo)
                highs.append(hi)
            f32_data("lowest accepted", lows)
            f32_data("highest accepted", highs)
        print(f.memhash(8192, ys))
        for i in (0, len(ys) // 2, len(ys) - 1):
            print("%s(%s): ;! stdout %d   (%s)" % (name, f.shortest(xs[i]), f.bits(ys[i]), f.shortest(ys[i])))


# ---------------------------------------------------------------- matmul


def peer_matrix(n, row_mul, col_mul, mod, off):
    """The peers' exact inputs: ((row_mul * i + col_mul * j) mod mod - off) / 8."""
    return [f.div(float((row_mul * i + col_mul * j) % mod - off), 8.0) for i in range(n) for j in range(n)]


def matmul():
    a = f.fill(17 * 33, 37, 101, 50, 7.0)
    b = f.fill(33 * 19, 53, 97, 48, 3.0)
    c = f.matmul(a, b, 17, 33, 19)
    print("-- [17, 33] . [33, 19]")
    print(f.memhash(65536, c))
    show_bits("c", c, [0, 170, 322])
    n = 64
    pa, pb = peer_matrix(n, 7, 3, 13, 6), peer_matrix(n, 5, 11, 17, 8)
    pc = f.matmul(pa, pb, n, n, n)
    print("-- the peers' n = 64 (exact: sum %r, sum of squares %r)" % (
        sum(pc), sum(x * x for x in pc)))
    print(f.memhash(65536, pc))
    print("-- batched [3, 17, 9] . [3, 9, 13]")
    ba = f.fill(3 * 17 * 9, 29, 89, 44, 7.0)
    bb = f.fill(3 * 9 * 13, 31, 83, 41, 5.0)
    bc = []
    for h in range(3):
        bc += f.matmul(ba[h * 153 : (h + 1) * 153], bb[h * 117 : (h + 1) * 117], 17, 9, 13)
    print(f.memhash(65536, bc))
    show_bits("bc", bc, [0, 330, 662])
    print("-- [96, 80] . [80, 96] (split between threads)")
    la = f.fill(96 * 80, 37, 101, 50, 7.0)
    lb = f.fill(80 * 96, 53, 97, 48, 3.0)
    lc = f.matmul(la, lb, 96, 80, 96)
    print(f.memhash(65536, lc))
    show_bits("lc", lc, [0, 4607, 9215])


# ---------------------------------------------------------------- row-wise ops


def rows_section():
    for r, n in ((7, 1000), (5, 17)):
        x = f.fill(r * n, 37, 101, 50, 7.0)
        gamma = f.fill(n, 11, 29, 14, 5.0)
        beta = f.fill(n, 13, 31, 15, 3.0)
        xr = f.rows(x, n)
        print("-- [%d, %d]" % (r, n))
        soft = [v for row in xr for v in f.softmax_row(row)]
        norm = [v for row in xr for v in f.layernorm_row(row, gamma, beta)]
        sums = [f.row_sum(row) for row in xr]
        maxes = [f.row_max(row) for row in xr]
        argmaxes = [f.row_argmax(row) for row in xr]
        print("softmax   " + f.memhash(65536, soft))
        print("layernorm " + f.memhash(98304, norm))
        print("rowsum    " + f.memhash(131072, sums))
        print("rowmax    " + f.memhash(131200, maxes))
        print("argmax    " + f.memhash(131328, argmaxes))
        show_bits("softmax", soft, [0, len(soft) - 1])
        show_bits("layernorm", norm, [0, len(norm) - 1])
        show_bits("rowsum", sums, [0])
        print("rowmax[0] %s, argmax[0] %s" % (f.shortest(maxes[0]), f.shortest(argmaxes[0])))
    print("-- layernorm of [1, 3] with gamma [2, 3], beta [0, 1], eps 1e-5")
    for v in f.layernorm_row([1.0, 3.0], [2.0, 3.0], [0.0, 1.0]):
        print(";! stdout %d   (%s)" % (f.bits(v), f.shortest(v)))
    print("-- softmax of [0, ln 2 (f32), 1, 2]")
    for v in f.softmax_row([0.0, f.f32(math.log(2)), 1.0, 2.0]):
        print(";! stdout %d   (%s)" % (f.bits(v), f.shortest(v)))


# ---------------------------------------------------------------- linear and attention


def linear_section():
    for m, k, n in ((5, 70, 33), (64, 300, 40)):
        x = f.fill(m * k, 37, 101, 50, 7.0)
        w = f.fill(k * n, 53, 97, 48, 3.0)
        b = f.fill(n, 11, 29, 14, 5.0)
        y = f.linear(x, w, b, m, k, n, False)
        r = f.linear(x, w, b, m, k, n, True)
        print("-- linear [%d, %d] . [%d, %d] + [%d]" % (m, k, k, n, n))
        print("linear      " + f.memhash(65536, y))
        print("linear.relu " + f.memhash(196608, r))
        show_bits("y", y, [0, 1, len(y) - 1])
        show_bits("r", r, [0, 1, len(r) - 1])


def attention_section():
    for heads, sq, sk, d, dv in ((3, 5, 7, 8, 6), (1, 6, 9, 16, 5)):
        q = f.fill(heads * sq * d, 37, 101, 50, 7.0)
        k = f.fill(heads * sk * d, 53, 97, 48, 13.0)
        v = f.fill(heads * sk * dv, 11, 29, 14, 5.0)
        print("-- q [%d, %d, %d], k [%d, %d, %d], v [%d, %d, %d]" % (heads, sq, d, heads, sk, d, heads, sk, dv))
        plain = f.attention(q, k, v, heads, sq, sk, d, dv, False)
        causal = f.attention(q, k, v, heads, sq, sk, d, dv, True)
        print("attention        " + f.memhash(65536, plain))
        print("attention.causal " + f.memhash(69632, causal))
        show_bits("plain", plain, [0, len(plain) - 1])
        show_bits("causal", causal, [0, len(causal) - 1])


SECTIONS = {
    "elementwise": elementwise,
    "activations": activations,
    "matmul": matmul,
    "rows": rows_section,
    "linear": linear_section,
    "attention": attention_section,
}

if __name__ == "__main__":
    wanted = sys.argv[1:] or list(SECTIONS)
    for name in wanted:
        print("== %s" % name)
        SECTIONS[name]()
