"""The assignment's published self-check set-up and expected numbers.

Used by ``python word2vec.py`` and by the tests. The numbers are the ones the
assignment publishes for its dummy set-up; they are facts to reproduce, not
outputs of this code.
"""

import random

import numpy as np

from utils.utils import normalizeRows

DUMMY_TOKENS = ["a", "b", "c", "d", "e"]

SIGMOID_123 = [0.73105858, 0.88079708, 0.95257413]


class DummyDataset:
    """Five tokens a..e; every draw is ``random.randint(0, 4)``."""

    def sampleTokenIdx(self):
        return random.randint(0, 4)

    def getRandomContext(self, C):
        center = DUMMY_TOKENS[random.randint(0, 4)]
        return center, [DUMMY_TOKENS[random.randint(0, 4)] for _ in range(2 * C)]


def dummy_setup():
    """Seed both generators as the assignment does and build its dummy objects.

    Returns (dataset, dummy_vectors (10, 3): centre rows 0..4 over outside
    rows 5..9, dummy_tokens {word: index}).
    """
    random.seed(31415)
    np.random.seed(9265)
    dummy_vectors = normalizeRows(np.random.randn(10, 3))
    dummy_tokens = {w: i for i, w in enumerate(DUMMY_TOKENS)}
    return DummyDataset(), dummy_vectors, dummy_tokens


WINDOW = ["a", "b", "e", "d", "b", "c"]

SKIPGRAM_SOFTMAX = [
    {"args": ("c", 3, WINDOW),
     "loss": 11.16610900153398,
     "gradCenter": [-1.26947339, -1.36873189, 2.45158957],
     "gradOutside": [[-0.41045956, 0.18834851, 1.43272264],
                     [0.38202831, -0.17530219, -1.33348241],
                     [0.07009355, -0.03216399, -0.24466386],
                     [0.09472154, -0.04346509, -0.33062865],
                     [-0.13638384, 0.06258276, 0.47605228]]},
    {"args": ("b", 3, WINDOW),
     "loss": 9.87714910003414,
     "gradCenter": [-0.14586705, -1.34158321, -0.29291951],
     "gradOutside": [[-0.30342672, 0.19808298, 0.19587419],
                     [-0.41359958, 0.27000601, 0.26699522],
                     [-0.08192272, 0.05348078, 0.05288442],
                     [0.6981188, -0.4557458, -0.45066387],
                     [0.10083022, -0.06582396, -0.06508997]]},
    {"args": ("a", 3, WINDOW),
     "loss": 10.810758628593335,
     "gradCenter": [-1.1790274, -1.35861865, 1.53590492],
     "gradOutside": [[-7.96035953e-01, -1.79609012e-02, 2.07761330e-01],
                     [1.40175316e+00, 3.16276545e-02, -3.65850437e-01],
                     [-1.99691259e-01, -4.50561933e-03, 5.21184016e-02],
                     [2.02560028e-02, 4.57034715e-04, -5.28671357e-03],
                     [-4.26281954e-01, -9.61816867e-03, 1.11257419e-01]]},
]

# Their negatives depend on the random stream that the gradient checks before
# them leave behind (see word2vec.test_skipgram).
SKIPGRAM_NEGSAMPLING = [
    {"args": ("c", 1, ["a", "b"]),
     "loss": 16.15119285363322,
     "gradCenter": [-4.54650789, -1.85942252, 0.76397441],
     "gradOutside": [[-0.69148188, 0.31730185, 2.41364029],
                     [-0.22716495, 0.10423969, 0.79292674],
                     [-0.45528438, 0.20891737, 1.58918512],
                     [-0.31602611, 0.14501561, 1.10309954],
                     [-0.80620296, 0.36994417, 2.81407799]]},
    {"args": ("c", 2, ["a", "b", "c", "a"]),
     "loss": 28.653567707668795,
     "gradCenter": [-6.42994865, -2.16396482, -1.89240934],
     "gradOutside": [[-0.80413277, 0.36899421, 2.80685192],
                     [-0.9277269, 0.42570813, 3.23826131],
                     [-0.7511534, 0.34468345, 2.62192569],
                     [-0.94807832, 0.43504684, 3.30929863],
                     [-1.12868414, 0.51792184, 3.93970919]]},
    {"args": ("a", 3, WINDOW),
     "loss": 60.648705494891914,
     "gradCenter": [-17.89425315, -7.36940626, -1.23364121],
     "gradOutside": [[-6.4780819, -0.14616449, 1.69074639],
                     [-0.86337952, -0.01948037, 0.22533766],
                     [-9.59525734, -0.21649709, 2.5043133],
                     [-6.02261515, -0.13588783, 1.57187189],
                     [-9.69010072, -0.21863704, 2.52906694]]},
]
