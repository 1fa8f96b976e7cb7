"""``prefetch_row``: ask the CPU for a row of a 2-D array before the kernel needs it.

The training kernels read rows of the parameters at random (the words of the
next pair and their negatives are known in advance, but a row far from the
last ones is a cache miss of some 100 ns). LLVM's ``llvm.prefetch`` starts
that load without waiting for it; numba has no function for it, so this
intrinsic emits it. It reads nothing and changes nothing: a hint only.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch_row(typingctx, array, row):
    """Prefetch the cache line that holds array[row, 0] (array 2-D, row an integer)."""
    if not isinstance(array, types.Array) or array.ndim != 2 or \
            not isinstance(row, types.Integer):
        return None
    signature = types.void(array, row)

    def codegen(context, builder, sig, args):
        arr = context.make_array(sig.args[0])(context, builder, args[0])
        stride = builder.extract_value(arr.strides, 0)
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        byte = builder.bitcast(arr.data, ir.IntType(8).as_pointer())
        address = builder.gep(byte, [builder.mul(index, stride)])
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte.type, i32, i32, i32]),
            "llvm.prefetch.p0i8")
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(prefetch, [address, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return signature, codegen
