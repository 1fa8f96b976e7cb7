"""Numerical gradient check by central differences."""

import random

import numpy as np

H = 1e-4          # step of the central difference
TOLERANCE = 1e-5  # largest relative error accepted


def gradcheck_naive(f, x, gradientText):
    """Check the gradient that ``f`` returns against central differences.

    Arguments:
    f -- a function of one array returning ``(loss, gradient)``; the gradient
         has the shape of ``x``
    x -- the point (any shape) at which to check; it is left unchanged
    gradientText -- what is being checked, for the printed message

    Python's ``random`` state is saved once and restored before every call of
    ``f``, so a loss that samples (negative sampling, random windows) sees the
    same draws at x, x + h and x - h. Returns True when every coordinate's
    relative error ``|num - grad| / max(1, |num|, |grad|)`` is at most 1e-5,
    else prints the first failing index with both values and returns False.
    A NaN or infinite loss or gradient fails.
    """
    x = np.array(x, dtype=float)  # a private copy: we perturb it in place
    rndstate = random.getstate()
    random.setstate(rndstate)
    fx, grad = f(x)
    grad = np.asarray(grad, dtype=float)
    if grad.shape != x.shape:
        raise ValueError("%s: gradient has shape %s, expected %s (the shape of x)"
                         % (gradientText, grad.shape, x.shape))
    # NaN compares false with everything: without this a NaN would pass.
    if not (np.isfinite(fx) and np.all(np.isfinite(grad))):
        print("Gradient check failed for %s: the loss (%r) or the gradient is NaN or"
              " infinite." % (gradientText, fx))
        return False

    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + H
        random.setstate(rndstate)
        fplus = f(x)[0]
        x[ix] = old - H
        random.setstate(rndstate)
        fminus = f(x)[0]
        x[ix] = old
        numgrad = (fplus - fminus) / (2 * H)

        reldiff = abs(numgrad - grad[ix]) / max(1.0, abs(numgrad), abs(grad[ix]))
        if not reldiff <= TOLERANCE:  # a NaN difference fails too
            print("Gradient check failed for %s." % gradientText)
            print("First gradient error found at index %s in the vector of gradients"
                  % str(ix))
            print("Your gradient: %f \t Numerical gradient: %f" % (grad[ix], numgrad))
            return False
        it.iternext()

    print("Gradient check passed for %s (%d coordinates, largest relative error"
          " allowed %g)." % (gradientText, x.size, TOLERANCE))
    return True
