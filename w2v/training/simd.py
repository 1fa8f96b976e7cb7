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
