"""``dot_rows`` and ``axpy_rows``: a row operation in explicit vectors of 64 bytes.

The kernels' time goes to three operations on rows of d numbers: a dot
product and two axpy (y += a x). Written as numba loops, LLVM vectorises
them four registers at a time and finishes with an epilogue loop and a
scalar loop: at d = 100 that is one pass of 64 numbers, then 36 in small
steps, which cost more than the 64 (the profile says so). These intrinsics
emit the loop themselves: steps of one 64-byte vector (16 float32 or 8
float64; LLVM splits it where registers are narrower), then at most 15
numbers one by one. The dot product sums its lanes pairwise at the end.
Rows are given as (matrix, row index), C-ordered 2-D, of one dtype.
"""

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

ir = cgutils.ir
VECTOR_BYTES = 64


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


class _Vectors:
    """The vector type of a row's element type, and loads, stores and FMA in it."""

    def __init__(self, builder, elem):
        self.builder, self.elem = builder, elem
        self.size = 4 if isinstance(elem, ir.FloatType) else 8    # float32, float64
        self.lanes = VECTOR_BYTES // self.size
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

    def split(self, n):
        """(the end of the whole vectors in a row of n, the step)."""
        step = cgutils.intp_t(self.lanes)
        return self.builder.mul(self.builder.sdiv(n, step), step), step


@intrinsic
def dot_rows(typingctx, A, i, B, j):
    """A[i] . B[j] (A, B: 2-D C-ordered float arrays of one dtype, rows of one length)."""
    if not (_rows_ok(A, B) and isinstance(i, types.Integer) and isinstance(j, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        a, n = _row(context, builder, sig.args[0], args[0], sig.args[1], args[1])
        b, _ = _row(context, builder, sig.args[2], args[2], sig.args[3], args[3])
        vec = _Vectors(builder, a.type.pointee)
        full, step = vec.split(n)
        acc = cgutils.alloca_once_value(builder, ir.Constant(vec.type, None))
        with cgutils.for_range_slice(builder, cgutils.intp_t(0), full, step) as (k, _):
            builder.store(vec.fma(vec.load(a, k), vec.load(b, k), builder.load(acc)), acc)
        total = cgutils.alloca_once_value(builder, vec.total(builder.load(acc)))
        with cgutils.for_range_slice(builder, full, n, cgutils.intp_t(1)) as (k, _):
            x = builder.fmul(builder.load(builder.gep(a, [k])), builder.load(builder.gep(b, [k])))
            builder.store(builder.fadd(builder.load(total), x), total)
        return builder.load(total)

    return A.dtype(A, i, B, j), codegen


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
        vec = _Vectors(builder, x.type.pointee)
        full, step = vec.split(n)
        spread = vec.splat(a)
        with cgutils.for_range_slice(builder, cgutils.intp_t(0), full, step) as (k, _):
            vec.store(vec.fma(spread, vec.load(x, k), vec.load(y, k)), y, k)
        with cgutils.for_range_slice(builder, full, n, cgutils.intp_t(1)) as (k, _):
            yk = builder.gep(y, [k])
            xa = builder.fmul(a, builder.load(builder.gep(x, [k])))
            builder.store(builder.fadd(builder.load(yk), xa), yk)
        return context.get_dummy_value()

    return types.void(alpha, X, i, Y, j), codegen


def _element(context, builder, vector_type, vector, index):
    """vector[index] of a 1-D array, as its value type."""
    ary = context.make_array(vector_type)(context, builder, vector)
    return builder.load(builder.gep(ary.data, [index]))


@intrinsic
def combine_rows(typingctx, coefs, c0, X, rows, r0, count, Y, j):
    """Y[j] += sum_{t < count} coefs[c0 + t] X[rows[r0 + t]], in one pass over Y[j].

    Taken one axpy after another, each would read the row the previous one
    wrote; here each vector of Y[j] is read once, summed over the t in a
    register, and written once. coefs: 1-D of X's dtype; rows: 1-D integers.
    """
    if not (_rows_ok(X, Y) and isinstance(coefs, types.Array) and coefs.ndim == 1 and
            coefs.dtype == X.dtype and isinstance(rows, types.Array) and rows.ndim == 1 and
            isinstance(rows.dtype, types.Integer) and
            all(isinstance(v, types.Integer) for v in (c0, r0, count, j))):
        return None

    def codegen(context, builder, sig, args):
        ct, _, xt, rt, _, _, yt, jt = sig.args
        intp = cgutils.intp_t
        c0, r0, count = (context.cast(builder, args[k], sig.args[k], types.intp)
                         for k in (1, 4, 5))
        y, n = _row(context, builder, yt, args[6], jt, args[7])
        vec = _Vectors(builder, y.type.pointee)
        full, step = vec.split(n)

        def term(t):  # (coefs[c0 + t], pointer to X[rows[r0 + t], 0])
            c = _element(context, builder, ct, args[0], builder.add(c0, t))
            r = _element(context, builder, rt, args[3], builder.add(r0, t))
            x, _ = _row(context, builder, xt, args[2], rt.dtype, r)
            return c, x

        for start, stop, stride, width in ((intp(0), full, step, vec), (full, n, intp(1), None)):
            with cgutils.for_range_slice(builder, start, stop, stride) as (k, _):
                acc = cgutils.alloca_once_value(
                    builder, vec.load(y, k) if width else builder.load(builder.gep(y, [k])))
                with cgutils.for_range(builder, count) as loop:
                    c, x = term(loop.index)
                    if width:
                        value = vec.fma(vec.splat(c), vec.load(x, k), builder.load(acc))
                    else:
                        value = builder.fadd(builder.load(acc), builder.fmul(
                            c, builder.load(builder.gep(x, [k]))))
                    builder.store(value, acc)
                if width:
                    vec.store(builder.load(acc), y, k)
                else:
                    builder.store(builder.load(acc), builder.gep(y, [k]))
        return context.get_dummy_value()

    return types.void(coefs, c0, X, rows, r0, count, Y, j), codegen
