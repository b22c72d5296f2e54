"""Type aliases shared by the public signatures."""

from __future__ import annotations

from typing import Literal, Union

import numpy as np
from numpy.typing import NDArray

#: A duration: an int number of steps, ``"<x>ep"`` epochs or ``"<x>%"`` of the total.
Duration = Union[int, str]
#: The array every schedule returns (float64 unless asked otherwise).
FloatArray = NDArray[np.floating]
#: Where the numbers are computed; ``"auto"`` picks by length.
Backend = Literal["auto", "numpy", "numba"]
