"""``dot_rows``, ``dot_tile``, ``axpy_rows``, ``combine_rows(2)``: row operations in vectors;
``sigmoid_coefficients``: the sigmoid's step sizes, a vector of them at a time.

The kernels' time goes to three operations on rows of d numbers: a dot
product and two axpy (y += a x). Written as numba loops, LLVM vectorises
them four registers at a time and finishes with an epilogue loop and a
scalar loop: at d = 100 that is one pass of 64 numbers, then 36 in small
steps, which cost more than the 64 (the profile says so). These intrinsics
emit the loop themselves in vectors of 64 bytes (16 float32 or 8 float64;
LLVM splits them where registers are narrower), then the rest of the row in
at most one vector of each smaller power-of-two width (at d = 100: 6 x 16,
then one 4). The dot product keeps two sums, so that consecutive steps do
not wait for each other, and sums the lanes pairwise at the end. dot_tile
computes several dot products (inputs by output rows) in one pass, so that
each loaded vector serves several multiply-adds: on AVX2 a lone dot product
is bound by its two loads per multiply-add (in a 2 x 2 tile a dot product
takes 23% less time at d = 100, 37% less at d = 300: docs/speed-history.md).
Rows are given as (matrix, row index), C-ordered 2-D, of one dtype.
"""

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

ir = cgutils.ir
VECTOR_BYTES = 64
COMBINE_STEP = 4  # 64-byte vectors per step of combine_rows


def _rows_ok(*matrices):
    return all(isinstance(m, types.Array) and m.ndim == 2 and m.layout == "C" and
               isinstance(m.dtype, types.Float) and m.dtype == matrices[0].dtype
               for m in matrices)


def _row(context, builder, matrix_type, matrix, row_type, row):
    """(pointer to matrix[row, 0] as the element type, the row's length)."""
    ary = context.make_array(matrix_type)(context, builder, matrix)
    row = context.cast(builder, row, row_type, types.intp)
    start = builder.gep(builder.bitcast(ary.data, ir.IntType(8).as_pointer()),
                        [builder.mul(row, builder.extract_value(ary.strides, 0))])
    elem = context.get_value_type(matrix_type.dtype)
    return builder.bitcast(start, elem.as_pointer()), builder.extract_value(ary.shape, 1)


def _lanes(elem):
    """Numbers of type elem (float32 or float64) in a 64-byte vector."""
    return VECTOR_BYTES // (4 if isinstance(elem, ir.FloatType) else 8)


class _Vectors:
    """Vectors of `lanes` numbers of type elem: loads, stores, FMA, splat and sum."""

    def __init__(self, builder, elem, lanes=None):
        self.builder, self.elem = builder, elem
        self.size = 4 if isinstance(elem, ir.FloatType) else 8    # float32, float64
        self.lanes = lanes or _lanes(elem)
        self.type = ir.VectorType(elem, self.lanes)
        name = "llvm.fma.v%d%s" % (self.lanes, "f32" if self.size == 4 else "f64")
        self.fma_fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(self.type, [self.type] * 3), name)

    def load(self, base, k):
        ptr = self.builder.bitcast(self.builder.gep(base, [k]), self.type.as_pointer())
        return self.builder.load(ptr, align=self.size)

    def store(self, value, base, k):
        ptr = self.builder.bitcast(self.builder.gep(base, [k]), self.type.as_pointer())
        self.builder.store(value, ptr, align=self.size)

    def fma(self, a, b, c):
        return self.builder.call(self.fma_fn, [a, b, c])

    def splat(self, scalar):
        b, i32 = self.builder, ir.IntType(32)
        one = b.insert_element(ir.Constant(self.type, ir.Undefined), scalar, i32(0))
        return b.shuffle_vector(one, one, ir.Constant(ir.VectorType(i32, self.lanes),
                                                      [0] * self.lanes))

    def widen(self, v):
        """v (of fewer lanes) as one of these vectors, zeros in the lanes above."""
        count, i32 = v.type.count, ir.IntType(32)
        order = list(range(count)) + [count] * (self.lanes - count)
        return self.builder.shuffle_vector(v, ir.Constant(v.type, None),
                                           ir.Constant(ir.VectorType(i32, self.lanes), order))

    def total(self, v):
        """The sum of v's lanes, halving the vector each step."""
        b, i32, width = self.builder, ir.IntType(32), self.lanes
        while width > 1:
            width //= 2
            low = b.shuffle_vector(v, v, ir.Constant(ir.VectorType(i32, width),
                                                     list(range(width))))
            high = b.shuffle_vector(v, v, ir.Constant(ir.VectorType(i32, width),
                                                      list(range(width, 2 * width))))
            v = b.fadd(low, high)
        return b.extract_element(v, i32(0))


def _over_row(builder, elem, n, vectors_per_step, step_body, piece_body):
    """Code for a row of n: step_body(k) for k = 0, S, 2S ... while a step fits
    (S = vectors_per_step 64-byte vectors), then piece_body(vec, k) once for
    each power-of-two width w < S the rest has (rest & w), widest first;
    vec: the _Vectors of width w, k: the piece's first index."""
    intp = cgutils.intp_t
    step = _lanes(elem) * vectors_per_step
    full = builder.and_(n, intp(-step))
    with cgutils.for_range_slice(builder, intp(0), full, intp(step)) as (k, _):
        step_body(k)
    rest, width = builder.sub(n, full), step // 2
    while width >= 1:
        has = builder.icmp_unsigned("!=", builder.and_(rest, intp(width)), intp(0))
        with builder.if_then(has):
            piece_body(_Vectors(builder, elem, width),
                       builder.add(full, builder.and_(rest, intp(-2 * width))))
        width //= 2


@intrinsic
def dot_rows(typingctx, A, i, B, j):
    """A[i] . B[j] (A, B: 2-D C-ordered float arrays of one dtype, rows of one length)."""
    if not (_rows_ok(A, B) and isinstance(i, types.Integer) and isinstance(j, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        a, n = _row(context, builder, sig.args[0], args[0], sig.args[1], args[1])
        b, _ = _row(context, builder, sig.args[2], args[2], sig.args[3], args[3])
        vec = _Vectors(builder, a.type.pointee)
        zero = ir.Constant(vec.type, None)
        sums = [cgutils.alloca_once_value(builder, zero) for _ in range(2)]
        rest = cgutils.alloca_once_value(builder, ir.Constant(vec.elem, 0))

        def step(k):
            for s, acc in enumerate(sums):
                at = builder.add(k, cgutils.intp_t(s * vec.lanes))
                builder.store(vec.fma(vec.load(a, at), vec.load(b, at), builder.load(acc)), acc)

        def piece(part, k):
            products = builder.fmul(part.load(a, k), part.load(b, k))
            builder.store(builder.fadd(builder.load(rest), part.total(products)), rest)

        _over_row(builder, vec.elem, n, 2, step, piece)
        both = builder.fadd(builder.load(sums[0]), builder.load(sums[1]))
        return builder.fadd(vec.total(both), builder.load(rest))

    return A.dtype(A, i, B, j), codegen


@intrinsic
def dot_tile(typingctx, A, rows_a, B, rows_b):
    """(A[i] . B[k] for i in rows_a for k in rows_b): rows_a, rows_b tuples of row
    indices (A, B as dot_rows'). One pass over the rows: each number is read once
    for all the products it is in, where lone dot products read two numbers per
    multiply-add (on AVX2, twice what the loads keep up with)."""
    if not (_rows_ok(A, B) and all(isinstance(t, types.UniTuple) and
                                   isinstance(t.dtype, types.Integer)
                                   for t in (rows_a, rows_b))):
        return None

    def codegen(context, builder, sig, args):
        def rows(k):
            return [_row(context, builder, sig.args[k], args[k], sig.args[k + 1].dtype,
                         builder.extract_value(args[k + 1], q))[0]
                    for q in range(sig.args[k + 1].count)]

        xs, ys = rows(0), rows(2)
        pairs = [(x, y) for x in xs for y in ys]
        _, n = _row(context, builder, sig.args[0], args[0], sig.args[1].dtype,
                    builder.extract_value(args[1], 0))
        vec = _Vectors(builder, xs[0].type.pointee)
        sums = [cgutils.alloca_once_value(builder, ir.Constant(vec.type, None)) for _ in pairs]

        def step(part, k):  # the rest of the row in narrower parts, added in as they are
            a = {x: part.load(x, k) for x in xs}
            b = {y: part.load(y, k) for y in ys}
            for acc, (x, y) in zip(sums, pairs):
                if part.lanes == vec.lanes:
                    builder.store(vec.fma(a[x], b[y], builder.load(acc)), acc)
                else:
                    product = vec.widen(builder.fmul(a[x], b[y]))
                    builder.store(builder.fadd(builder.load(acc), product), acc)

        _over_row(builder, vec.elem, n, 1, lambda k: step(vec, k), step)
        return context.make_tuple(builder, sig.return_type,
                                  [vec.total(builder.load(acc)) for acc in sums])

    count = rows_a.count * rows_b.count
    return types.UniTuple(A.dtype, count)(A, rows_a, B, rows_b), codegen


@intrinsic
def axpy_rows(typingctx, alpha, X, i, Y, j):
    """Y[j] += alpha * X[i] (X, Y: 2-D C-ordered float arrays of one dtype)."""
    if not (_rows_ok(X, Y) and isinstance(alpha, (types.Float, types.Integer)) and
            isinstance(i, types.Integer) and isinstance(j, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        x, n = _row(context, builder, sig.args[1], args[1], sig.args[2], args[2])
        y, _ = _row(context, builder, sig.args[3], args[3], sig.args[4], args[4])
        a = context.cast(builder, args[0], sig.args[0], sig.args[1].dtype)

        def piece(vec, k):
            vec.store(vec.fma(vec.splat(a), vec.load(x, k), vec.load(y, k)), y, k)

        whole = _Vectors(builder, x.type.pointee)
        _over_row(builder, whole.elem, n, 1, lambda k: piece(whole, k), piece)
        return context.get_dummy_value()

    return types.void(alpha, X, i, Y, j), codegen


def _element(context, builder, vector_type, vector, index):
    """vector[index] of a 1-D array, as its value type."""
    ary = context.make_array(vector_type)(context, builder, vector)
    return builder.load(builder.gep(ary.data, [index]))


def _combine_ok(coefs, X, rows, Y, *indices):
    return (_rows_ok(X, Y) and isinstance(coefs, types.Array) and coefs.ndim == 1 and
            coefs.dtype == X.dtype and isinstance(rows, types.Array) and rows.ndim == 1 and
            isinstance(rows.dtype, types.Integer) and
            all(isinstance(v, types.Integer) for v in indices))


def _combine(context, builder, coefs, X, rows, r0, count, starts, dests, n, step):
    """Code for dests[q] += sum_{t < count} coefs[starts[q] + t] X[rows[r0 + t]] (dests:
    pointers to rows of n), in one pass: each term's vectors loaded once for all q.
    coefs, X, rows: (numba type, value); step: 64-byte vectors per step."""
    def term_row(t):  # pointer to X[rows[r0 + t], 0]
        r = _element(context, builder, rows[0], rows[1], builder.add(r0, t))
        return _row(context, builder, X[0], X[1], rows[0].dtype, r)[0]

    def piece(vec, k):
        sums = [cgutils.alloca_once_value(builder, vec.load(y, k)) for y in dests]
        with cgutils.for_range(builder, count) as loop:
            x = vec.load(term_row(loop.index), k)
            for acc, start in zip(sums, starts):
                c = _element(context, builder, coefs[0], coefs[1], builder.add(start, loop.index))
                builder.store(vec.fma(vec.splat(c), x, builder.load(acc)), acc)
        for acc, y in zip(sums, dests):
            vec.store(builder.load(acc), y, k)

    # Each vector's sum over t is a chain of dependent FMAs: a step of several
    # vectors keeps that many chains (times the registers each splits into)
    # going at once, and reads each term's coefficient and row index once.
    elem = dests[0].type.pointee
    whole = _Vectors(builder, elem, step * _lanes(elem))
    _over_row(builder, elem, n, step, lambda k: piece(whole, k), piece)


def _intp(context, builder, sig, args, *which):
    return [context.cast(builder, args[k], sig.args[k], types.intp) for k in which]


@intrinsic
def combine_rows(typingctx, coefs, c0, X, rows, r0, count, Y, j):
    """Y[j] += sum_{t < count} coefs[c0 + t] X[rows[r0 + t]], in one pass over Y[j].

    Taken one axpy after another, each would read the row the previous one
    wrote; here each vector of Y[j] is read once, summed over the t in a
    register, and written once. coefs: 1-D of X's dtype; rows: 1-D integers.
    """
    if not _combine_ok(coefs, X, rows, Y, c0, r0, count, j):
        return None

    def codegen(context, builder, sig, args):
        c0, r0, count = _intp(context, builder, sig, args, 1, 4, 5)
        y, n = _row(context, builder, sig.args[6], args[6], sig.args[7], args[7])
        _combine(context, builder, (sig.args[0], args[0]), (sig.args[2], args[2]),
                 (sig.args[3], args[3]), r0, count, [c0], [y], n, COMBINE_STEP)
        return context.get_dummy_value()

    return types.void(coefs, c0, X, rows, r0, count, Y, j), codegen


@intrinsic
def combine_rows2(typingctx, coefs, c0, c1, X, rows, r0, count, Y, j0, j1):
    """combine_rows into two rows at once: Y[j0] with coefs[c0:], Y[j1] with coefs[c1:]
    (j0 != j1). Each term's row is loaded once for both: one load per two FMAs."""
    if not _combine_ok(coefs, X, rows, Y, c0, c1, r0, count, j0, j1):
        return None

    def codegen(context, builder, sig, args):
        c0, c1, r0, count = _intp(context, builder, sig, args, 1, 2, 5, 6)
        y0, n = _row(context, builder, sig.args[7], args[7], sig.args[8], args[8])
        y1, _ = _row(context, builder, sig.args[7], args[7], sig.args[9], args[9])
        _combine(context, builder, (sig.args[0], args[0]), (sig.args[3], args[3]),
                 (sig.args[4], args[4]), r0, count, [c0, c1], [y0, y1], n,
                 COMBINE_STEP // 2)   # twice the sums: half the step, as many registers
        return context.get_dummy_value()

    return types.void(coefs, c0, c1, X, rows, r0, count, Y, j0, j1), codegen


# The float32 exponential of sigmoid_coefficients: e^t = 2^n e^r for t <= 0,
# n = floor(t / ln 2 + 1/2), |r| <= ln(2) / 2. r = t - n ln 2 with ln 2 in two
# parts (Cody and Waite: n times the first, of few bits, is exact); e^r is its
# Taylor series to r^7 (remainder under 1.2e-8 relative); 2^n is the float
# whose exponent field is n + 127. The step sizes built on it are within 3 ulp
# of the float64 formula's (tests/test_rowops.py, 1.2 million scores). Below
# t = -87, where 2^n would leave the normal floats, it gives 0 (the true value
# is under 1.7e-38). libm's expf is a call per number, which cost a third of
# hierarchical softmax's time; float64 keeps libm's exp.
EXP_LOWEST, LOG2_E = -87.0, 1.4426950408889634
LN2_HIGH, LN2_LOW = 0.693359375, -2.1219444005469057e-4
TAYLOR = (1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1.0, 1.0)   # r^7 ... r^0


def _call(vec, name, *values):
    """The LLVM intrinsic llvm.<name> on vec's vectors."""
    suffix = "v%d%s" % (vec.lanes, "f32" if vec.size == 4 else "f64")
    fn = cgutils.get_or_insert_function(
        vec.builder.module, ir.FunctionType(vec.type, [vec.type] * len(values)),
        "llvm.%s.%s" % (name, suffix))
    return vec.builder.call(fn, list(values))


def _constant(vector_type, value):
    """A vector of vector_type with value in every lane."""
    return ir.Constant(vector_type, [ir.Constant(vector_type.element, value)] *
                       vector_type.count)


def _exp(vec, t):
    """e^t, t <= 0, lane by lane (see above)."""
    if vec.size == 8:
        return _call(vec, "exp", t)
    b = vec.builder

    def const(value):
        return _constant(vec.type, value)

    low = b.fcmp_ordered("<", t, const(EXP_LOWEST))     # false for a NaN: it stays NaN
    y = b.select(low, const(EXP_LOWEST), t)
    n = _call(vec, "floor", vec.fma(y, const(LOG2_E), const(0.5)))
    r = vec.fma(b.fneg(n), const(LN2_LOW), vec.fma(b.fneg(n), const(LN2_HIGH), y))
    p = const(TAYLOR[0])
    for c in TAYLOR[1:]:
        p = vec.fma(p, r, const(c))
    i32 = ir.VectorType(ir.IntType(32), vec.lanes)
    field = b.add(b.fptosi(n, i32), _constant(i32, 127))
    power = b.bitcast(b.shl(field, _constant(i32, 23)), vec.type)
    return b.select(low, const(0.0), b.fmul(p, power))


@intrinsic
def sigmoid_coefficients(typingctx, signs, n, alpha, X, x0):
    """X[x0 + k] <- alpha s_k sigma(-s_k X[x0 + k]) for k < n (s_k = signs[k] = +-1).

    sigma(-z) = e / (1 + e) for z >= 0, 1 / (1 + e) below, e = exp(-|z|): no
    overflow. X: 1-D float32 or float64; signs: 1-D float64; alpha: a float.
    Written as vectors (no loop LLVM might not vectorise) and with no fast-math
    flags: the same numbers from the JIT and the build ahead of time.
    """
    if not (isinstance(X, types.Array) and X.ndim == 1 and isinstance(X.dtype, types.Float)
            and isinstance(signs, types.Array) and signs.dtype == types.float64 and
            all(isinstance(v, types.Integer) for v in (n, x0))):
        return None

    def codegen(context, builder, sig, args):
        data = context.make_array(X)(context, builder, args[3]).data
        x = builder.gep(data, [context.cast(builder, args[4], x0, types.intp)])
        s_data = context.make_array(signs)(context, builder, args[0]).data
        a = context.cast(builder, args[2], alpha, X.dtype)
        elem = x.type.pointee

        def piece(vec, k):
            double = _Vectors(builder, ir.DoubleType(), vec.lanes)
            s = double.load(s_data, k)
            s = builder.fptrunc(s, vec.type) if vec.size == 4 else s
            z = builder.fmul(s, vec.load(x, k))
            e = _exp(vec, builder.fneg(_call(vec, "fabs", z)))
            one = _constant(vec.type, 1.0)
            upper = builder.fcmp_ordered(">=", z, _constant(vec.type, 0.0))
            sigma = builder.fdiv(builder.select(upper, e, one), builder.fadd(one, e))
            vec.store(builder.fmul(builder.fmul(vec.splat(a), s), sigma), x, k)

        whole = _Vectors(builder, elem)
        count = context.cast(builder, args[1], n, types.intp)
        _over_row(builder, elem, count, 1, lambda k: piece(whole, k), piece)
        return context.get_dummy_value()

    return types.void(signs, n, alpha, X, x0), codegen
