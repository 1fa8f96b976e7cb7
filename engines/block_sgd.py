"""``sgd``'s loop for an engine that runs many iterations in one compiled call.

``sgd_in_blocks(engine, x, step, iterations, PRINT_EVERY, hooks, save_every)``
is ``sgd.sgd(engine, x, step, iterations, PRINT_EVERY=PRINT_EVERY, hooks=hooks)``
for the batched engine, bit for bit: the same updates, ``iter`` lines,
annealing and checkpoints. The iterations between two events (a print, an
annealing, a checkpoint, the end of a sampled chunk) run as one call of the
engine's ``train_block`` instead of one Python round trip each (about 7 us,
when the kernel's iteration takes 25); a Ctrl-C or SIGTERM is honoured at the end of the block, at
most ten iterations later. tests/test_block_sgd.py proves the two equal.
"""

import math

import sgd
from sgd import after_step


def block_length(it, iterations, every, chunk_left):
    """Iterations to run after ``it`` before the next event: the next multiple of any
    of ``every``, the last iteration, or the end of the engine's chunk."""
    n = min(iterations - it, chunk_left)
    for period in every:
        n = min(n, period - it % period)
    return n


def sgd_in_blocks(engine, x0, step, iterations, PRINT_EVERY, hooks, save_every):
    """Train as ``sgd`` does with ``engine`` as f and the update done by the engine.

    engine -- a BatchedSkipgram (``train_block``, ``steps_left_in_chunk``)
    hooks -- sgd's hooks (utils.session.TrainingSession or sgd.SgdHooks), whose
             ``show_progress`` is called before each block's line is printed
    save_every -- the hooks' checkpoint period, so that a block ends where they save
    Returns x, as sgd does.
    """
    with hooks:
        it, x, step, exploss = hooks.start(x0, step, iterations, sgd.scheduled_step)
        every = (PRINT_EVERY, sgd.ANNEAL_EVERY, save_every)
        while it < iterations:
            n = block_length(it, iterations, every, engine.steps_left_in_chunk())
            losses = engine.train_block(x, step, n)
            bad = next((i for i, loss in enumerate(losses) if not math.isfinite(loss)), None)
            if bad is not None:  # the hook says so, for the first such iteration
                hooks.on_step(it + bad + 1, x, float(losses[bad]), step, exploss)
            it += n
            hooks.show_progress(it)  # under the iter line about to be printed
            # Within a block nothing is printed, annealed nor saved: only at its end.
            step, exploss = after_step(hooks, it, x, float(losses[-1]), step, exploss,
                                       PRINT_EVERY)
        hooks.finish(iterations, x, step, exploss)
    return x
