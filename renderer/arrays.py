"""The array types the renderer passes around, declared once.

numpy's own ``NDArray[np.float32]`` spelled out at every signature buries what a function
takes; these short names say the element type and nothing else (the shape is in the names
and docstrings of the values).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
RGB = npt.NDArray[np.uint8]  # an H x W x 3 image
