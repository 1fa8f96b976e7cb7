"""``borrow``: arrays handed to compiled code without numba's reference counting.

numba counts a reference, an atomic increment and decrement, every time it
makes a view or inlined code receives an array: some 25 times per pair in
the training kernels (a quarter of their time). The job loop works on
borrowed arrays instead, which the caller keeps alive meanwhile.
"""

from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def borrow(typingctx, arrays):
    """A tuple of arrays as the same arrays without reference counts (meminfo NULL).

    On a borrowed array numba's reference counting does nothing. Only for
    arrays that something else keeps alive meanwhile (a caller's arguments).
    """
    def codegen(context, builder, sig, args):
        out = args[0]
        for i, aryty in enumerate(sig.args[0]):
            src = context.make_array(aryty)(context, builder, builder.extract_value(out, i))
            dst = context.make_array(aryty)(context, builder)
            for name in ("nitems", "itemsize", "data", "shape", "strides"):
                setattr(dst, name, getattr(src, name))
            dst.meminfo = cgutils.get_null_value(dst.meminfo.type)
            dst.parent = cgutils.get_null_value(dst.parent.type)
            out = builder.insert_value(out, dst._getvalue(), i)
        return out
    return arrays(arrays), codegen
