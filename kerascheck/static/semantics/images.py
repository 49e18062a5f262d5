"""Image files read outside Keras (PIL, OpenCV, matplotlib, imageio, scikit-image) and Python's ``random``.

An image decoded from a file holds raw 0-255 pixels, whichever library read it: every
such array has the origin :data:`~.arrays.IMAGE_FILES`, so an image prepared for
``predict`` can be compared with the images a model was trained on (KC312). Resizing
and colour conversion keep the pixel values. Python's ``random`` draws continuous
floats, the usual material of synthetic regression targets.
"""

from __future__ import annotations

from kerascheck import facts as kf
from kerascheck.facts import LabelEncoding
from kerascheck.static.semantics import arrays
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY
from kerascheck.static.values import Data, Value

READERS = ("PIL.Image.open", "cv2.imread", "matplotlib.pyplot.imread", "imageio.imread", "skimage.io.imread")
PIXEL_PRESERVING = ("cv2.resize", "cv2.cvtColor", "tensorflow.image.resize", "skimage.transform.resize")
_RANDOM = ("random.random", "random.uniform", "random.gauss", "random.normalvariate")


@REGISTRY.function(*READERS)
def read_image(ctx: CallContext) -> Value:
    return arrays.image_file(None)


@REGISTRY.function(*PIXEL_PRESERVING)
def keep_pixels(ctx: CallContext) -> Value | None:
    first = ctx.first
    return first if isinstance(first, Data) and first.origin == arrays.IMAGE_FILES else None


@REGISTRY.method(Data, "resize", "convert")
def image_method(ctx: CallContext) -> Value | None:
    """PIL's ``img.resize(...)`` / ``img.convert("RGB")``: the same pixels."""
    owner = ctx.receiver
    return owner if isinstance(owner, Data) and owner.origin == arrays.IMAGE_FILES else None


@REGISTRY.function(*_RANDOM)
def python_random(ctx: CallContext) -> Value:
    values = None
    if ctx.qualname == "random.random":
        values = kf.ValueRange(low=0, high=1, source="random.random()")
    elif ctx.qualname == "random.uniform":
        values = arrays.bounded(arrays.number(ctx.arg("a", 0)), arrays.number(ctx.arg("b", 1)), "random.uniform")
    labels = kf.Labels(encoding=LabelEncoding.CONTINUOUS, anchor=ctx.anchor, source=ctx.qualname, values=values)
    return Data(labels=labels, values=values)
