"""``prefetch_row``: ask the CPU for a row of a matrix before a kernel needs it.

The training kernels read rows of the parameters at random. The rows of the
next pairs are known in advance, but a row far from the last ones is a cache
miss of some 100 ns; asked for early, several rows arrive together instead of
one after the other. LLVM's ``llvm.prefetch`` starts such a load without
waiting for it; numba has no function for it, so this intrinsic emits it.
It reads nothing and changes nothing: a hint only.
"""

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

ir = cgutils.ir  # llvmlite's IR builder, as numba's code generation uses it

LINE = 64  # bytes in a cache line (x86-64 and most ARM cores)


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Start loading every cache line of matrix[row, :] (C-ordered 2-D, row an integer)."""
    if not isinstance(matrix, types.Array) or matrix.ndim != 2 or \
            not isinstance(row, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        row = context.cast(builder, args[1], sig.args[1], types.intp)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        start = builder.gep(builder.bitcast(ary.data, i8p),
                            [builder.mul(row, builder.extract_value(ary.strides, 0))])
        hint = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0")
        size = builder.mul(builder.extract_value(ary.shape, 1), ary.itemsize)

        def fetch(offset):  # read (0), keep in all cache levels (3), data cache (1)
            builder.call(hint, [builder.gep(start, [offset]), i32(0), i32(3), i32(1)])

        # Steps of one line miss none of the row's lines, except perhaps the last
        # when the row does not start on a line: it is asked for too.
        with cgutils.for_range_slice(builder, cgutils.intp_t(0), size,
                                     cgutils.intp_t(LINE)) as (offset, _):
            fetch(offset)
        fetch(builder.sub(size, cgutils.intp_t(1)))
        return context.get_dummy_value()

    return types.void(matrix, row), codegen
