"""Binary32 arithmetic and the tensor ops of the ISA, written from their definitions.

This is the independent side of the tensor conformance cases: it uses only Python's
standard library (no numpy, nothing from the VM or from adead-kernels), so the expected
values it produces have their own reason to be right.

- Values are Python floats holding binary32 values exactly (every f32 is an f64).
- `+ - * / sqrt` of two f32 values are done in f64 and then rounded to f32: for these
  operations binary64 has more than 2p + 2 bits for p = 24, so the double rounding is
  innocuous and the result is the correctly rounded binary32 (Figueroa's theorem).
- A fused multiply-add is NOT safe that way, so `fma` computes the exact rational
  a * b + c with `fractions.Fraction` and rounds it once, to nearest, ties to even, by
  hand (`round_fraction`), subnormals and overflow included.
- exp, tanh, sigmoid and gelu follow the operation sequences that the ISA's scalar
  reference documents (kernels/src/math/*.rs module docs), step by step on f32 values;
  the row reductions follow the documented 16-lane order and fixed combining tree.
- Every NaN an operation produces is the canonical NaN 0x7FC00000.
"""

import math
import struct
from fractions import Fraction

INF = math.inf
NAN = math.nan
CANONICAL_NAN_BITS = 0x7FC00000
F32_MAX = struct.unpack("<f", struct.pack("<I", 0x7F7FFFFF))[0]


# ---------------------------------------------------------------- bits and rounding


def bits(x):
    """The binary32 encoding of f32 value x (any NaN as the canonical NaN)."""
    if math.isnan(x):
        return CANONICAL_NAN_BITS
    return struct.unpack("<I", struct.pack("<f", x))[0]


def from_bits(b):
    """The f32 value with encoding b (NaN payloads are lost: use bits directly for those)."""
    return struct.unpack("<f", struct.pack("<I", b & 0xFFFFFFFF))[0]


def f32(x):
    """An f64 value rounded to binary32, to nearest, ties to even."""
    if math.isnan(x) or math.isinf(x):
        return x
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:  # struct refuses values that round to infinity
        return math.copysign(INF, x)


def round_fraction(q):
    """The exact rational q rounded once to binary32 (ties to even). q != 0."""
    negative = q < 0
    q = -q if negative else q
    # e = floor(log2(q)), found from the bit lengths and corrected by one step.
    e = q.numerator.bit_length() - q.denominator.bit_length()
    if Fraction(2) ** e > q:
        e -= 1
    e = max(e, -126)  # below the normal range the spacing stays 2^-149
    ulp = Fraction(2) ** (e - 23)
    scaled = q / ulp
    m = scaled.numerator // scaled.denominator
    rest = scaled - m
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and m % 2 == 1):
        m += 1
    value = math.ldexp(m, e - 23)  # exact: m has at most 25 bits
    if value > F32_MAX:
        value = INF
    return -value if negative else value


def canonical(x):
    return NAN if math.isnan(x) else x


# ---------------------------------------------------------------- IEEE operations


def add(a, b):
    return canonical(f32(a + b))


def sub(a, b):
    return canonical(f32(a - b))


def mul(a, b):
    return canonical(f32(a * b))


def div(a, b):
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return NAN
        negative = (math.copysign(1.0, a) < 0) != (math.copysign(1.0, b) < 0)
        return -INF if negative else INF
    return canonical(f32(a / b))


def sqrt(a):
    if math.isnan(a) or a < 0:
        return NAN
    return f32(math.sqrt(a))


def fma(a, b, c):
    """a * b + c with one rounding."""
    if not all(math.isfinite(v) for v in (a, b, c)):
        return canonical(a * b + c)  # inf/NaN rules are those of the unfused form
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact != 0:
        return round_fraction(exact)
    # An exact zero: -0 only when the product is a -0 and c is -0 too.
    product_negative = (math.copysign(1.0, a) < 0) != (math.copysign(1.0, b) < 0)
    product_zero = a == 0.0 or b == 0.0
    if product_zero and c == 0.0 and product_negative and math.copysign(1.0, c) < 0:
        return -0.0
    return 0.0


def fmax(a, b):
    """max with NaN propagating (canonical) and -0 < +0."""
    if math.isnan(a) or math.isnan(b):
        return NAN
    if a > b:
        return a
    if b > a:
        return b
    return from_bits(bits(a) & bits(b))


def relu(x):
    if math.isnan(x):
        return NAN
    return x if x > 0 else 0.0


def pow2i(k):
    return math.ldexp(1.0, k)


# ---------------------------------------------------------------- our own functions

LOG2_E = from_bits(0x3FB8AA3B)
LN2_HI = from_bits(0x3F317218)
LN2_LO = from_bits(0xB102E308)
ROUND_MAGIC = 12582912.0  # 1.5 * 2^23
EXP_POLY = [from_bits(b) for b in (0x39506967, 0x3AB743CE, 0x3C088908, 0x3D2AA9C1, 0x3E2AAAAA, 0x3F000000)]
TANH_POLY = [from_bits(b) for b in (0xBBBAF0EA, 0x3CA9134E, 0xBD5C1E2D, 0x3E088393, 0xBEAAAA99)]
GELU_CUBIC = from_bits(0x3D372713)
SQRT_2_OVER_PI = from_bits(0x3F4C422A)

EXP_MAX_ULP = 1.02
TANH_MAX_ULP = 1.34
SIGMOID_MAX_ULP = 2.41


def exp(x):
    """kernels/src/math/exp.rs, step by step."""
    if math.isnan(x):
        return NAN
    x = min(max(x, -104.0), 89.0)
    t = fma(x, LOG2_E, ROUND_MAGIC)
    k = bits(t) - bits(ROUND_MAGIC)
    kf = sub(t, ROUND_MAGIC)
    r = fma(-kf, LN2_HI, x)
    r = fma(-kf, LN2_LO, r)
    p = EXP_POLY[0]
    for c in EXP_POLY[1:]:
        p = fma(p, r, c)
    y = add(fma(p, mul(r, r), r), 1.0)
    k1 = k >> 1
    k2 = k - k1
    return mul(mul(y, pow2i(k1)), pow2i(k2))


def tanh(x):
    """kernels/src/math/tanh.rs, step by step."""
    if math.isnan(x):
        return NAN
    sign = bits(x) & 0x80000000
    a = abs(x)
    if a < 0.625:
        s = mul(a, a)
        p = TANH_POLY[0]
        for c in TANH_POLY[1:]:
            p = fma(p, s, c)
        r = fma(mul(p, s), a, a)
    else:
        r = sub(1.0, div(2.0, add(exp(add(a, a)), 1.0)))
    return from_bits(bits(r) | sign)


def sigmoid(x):
    if math.isnan(x):
        return NAN
    e = exp(-abs(x))
    d = add(1.0, e)
    return div(1.0, d) if x >= 0 else div(e, d)


def gelu(x):
    cube = mul(mul(x, x), x)
    inner = fma(GELU_CUBIC, cube, x)
    t = tanh(mul(SQRT_2_OVER_PI, inner))
    return canonical(mul(mul(0.5, x), add(1.0, t)))


# ---------------------------------------------------------------- reductions and ops

LANES = 16


def combine(lanes, op):
    lanes = list(lanes)
    half = LANES // 2
    while half > 0:
        for i in range(half):
            lanes[i] = op(lanes[i], lanes[i + half])
        half //= 2
    return lanes[0]


def sum_lanes(row):
    lanes = [0.0] * LANES
    for j, v in enumerate(row):
        lanes[j % LANES] = add(lanes[j % LANES], v)
    return lanes


def row_sum(row):
    return canonical(combine(sum_lanes(row), add))


def row_max(row):
    lanes = [-INF] * LANES
    for j, v in enumerate(row):
        lanes[j % LANES] = fmax(lanes[j % LANES], v)
    return combine(lanes, fmax)


def order_key(x):
    b = bits(x)
    signed = b - (1 << 32) if b & 0x80000000 else b
    return signed ^ (((signed >> 31) & 0xFFFFFFFF) >> 1)


def row_argmax(row):
    best = 0
    for j in range(1, len(row)):
        if math.isnan(row[best]):
            break
        if math.isnan(row[j]) or order_key(row[j]) > order_key(row[best]):
            best = j
    return float(best)


def softmax_row(row):
    m = row_max(row)
    e = [exp(sub(v, m)) for v in row]
    s = combine(sum_lanes(e), add)
    return [canonical(div(v, s)) for v in e]


LAYERNORM_EPS = f32(1e-5)


def layernorm_row(row, gamma, beta, eps=LAYERNORM_EPS):
    n = f32(float(len(row)))
    mean = div(combine(sum_lanes(row), add), n)
    lanes = [0.0] * LANES
    for j, v in enumerate(row):
        d = sub(v, mean)
        lanes[j % LANES] = fma(d, d, lanes[j % LANES])
    var = div(combine(lanes, add), n)
    inv = div(1.0, sqrt(add(var, eps)))
    return [canonical(fma(mul(sub(row[j], mean), inv), gamma[j], beta[j])) for j in range(len(row))]


def rows(flat, n):
    return [flat[i : i + n] for i in range(0, len(flat), n)]


def matmul(a, b, m, k, n):
    """Flat row-major [m, k] . [k, n]: one fma chain over k in increasing order from +0."""
    out = []
    for i in range(m):
        for j in range(n):
            acc = 0.0
            for p in range(k):
                acc = fma(a[i * k + p], b[p * n + j], acc)
            out.append(canonical(acc))
    return out


def linear(x, w, bias, m, k, n, apply_relu):
    chain = matmul(x, w, m, k, n)
    out = []
    for i in range(m):
        for j in range(n):
            y = add(chain[i * n + j], bias[j])
            out.append(relu(y) if apply_relu else canonical(y))
    return out


def transpose(a, r, c):
    return [a[i * c + j] for j in range(c) for i in range(r)]


def attention(q, k, v, heads, sq, sk, d, dv, causal):
    """Per head: matmul(q, k^T), scale by 1/sqrt(d), causal mask, softmax, matmul(p, v)."""
    scale = div(1.0, sqrt(float(d)))
    out = []
    for h in range(heads):
        qh = q[h * sq * d : (h + 1) * sq * d]
        kh = k[h * sk * d : (h + 1) * sk * d]
        vh = v[h * sk * dv : (h + 1) * sk * dv]
        scores = [canonical(mul(s, scale)) for s in matmul(qh, transpose(kh, sk, d), sq, d, sk)]
        if causal:
            for i in range(sq):
                for j in range(i + 1, sk):
                    scores[i * sk + j] = -INF
        p = [x for row in rows(scores, sk) for x in softmax_row(row)]
        out.extend(matmul(p, vh, sq, sk, dv))
    return out


# ---------------------------------------------------------------- case helpers


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) % 2**64
    return h


def tensor_bytes(values):
    return b"".join(struct.pack("<I", bits(v)) for v in values)


def memhash(addr, values):
    data = tensor_bytes(values)
    return ";! memhash %d %d fnv1a64 0x%016x" % (addr, len(data), fnv1a64(data))


def fill(count, mul_, mod, off, divisor):
    """The cases' `fill` helper: element i = f32((i * mul mod mod) - off) / divisor."""
    return [div(float((i * mul_) % mod - off), divisor) for i in range(count)]


def shortest(x):
    """How print_f32 shows an f32 (Rust's `{:?}`): the shortest digits that read back to
    the same f32, in plain notation for 1e-4 <= |x| < 1e16 (with `.0` when integral),
    else as `1e-7` / `1.5e20`."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    for digits in range(1, 10):
        text = "%.*e" % (digits - 1, x)
        if f32(float(text)) == x:
            break
    mantissa, exponent = text.split("e")
    exponent = int(exponent)
    sign = "-" if mantissa.startswith("-") else ""
    digit_string = mantissa.lstrip("-").replace(".", "")
    if -4 <= exponent < 16:
        if exponent >= 0:
            whole = digit_string[: exponent + 1].ljust(exponent + 1, "0")
            frac = digit_string[exponent + 1 :]
            return sign + whole + "." + (frac if frac else "0")
        return sign + "0." + "0" * (-exponent - 1) + digit_string
    frac = digit_string[1:]
    return sign + digit_string[0] + ("." + frac if frac else "") + "e" + str(exponent)
