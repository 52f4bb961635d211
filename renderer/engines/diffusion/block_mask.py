"""The transformer's attention mask without a hard dependency on a C/C++ compiler.

``WanAnimate2Transformer3DModel.create_mask`` (diffusers 0.42.1,
``models/transformers/transformer_wan_animate_2.py``) builds its flex-attention ``BlockMask``
with ``create_block_mask(..., _compile=True)``. Compiling goes through TorchInductor, which
needs a C++ compiler on the CPU and Triton (itself needing a C compiler) on CUDA; on a machine
without one the first denoising step dies with ``InvalidCxxCompiler``. The uncompiled builder
gives the same mask (it evaluates the same ``mask_mod`` densely, then packs it; see
``tests/renderer/test_diffusion_mask.py``), at the cost of a transient dense boolean matrix
of ``Q x KV`` entries.

diffusers reads ``create_block_mask`` from its module globals, so the engine swaps that one
name for :func:`block_mask_builder`, which compiles only where a compiler exists and otherwise
(or when compiling fails anyway) builds the mask uncompiled.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_TARGET_MODULE = "diffusers.models.transformers.transformer_wan_animate_2"


def compiler_available(device_type: str) -> bool:
    """Whether torch.compile can build kernels for ``device_type`` on this machine."""
    if device_type == "cuda":
        # Triton compiles a small C launcher with the system C compiler ($CC, else cc/gcc/clang).
        candidates = [os.environ["CC"]] if os.environ.get("CC") else ["cc", "gcc", "clang"]
        return any(shutil.which(c) for c in candidates)
    try:
        from torch._inductor import cpp_builder

        cpp_builder.cpp_compiler_search.cache_clear()
        cpp_builder.get_cpp_compiler()
    except Exception:  # InvalidCxxCompiler, or a broken toolchain: either way, no compiling
        return False
    return True


def block_mask_builder(compile_mask: bool) -> Callable[..., Any]:
    """A drop-in ``create_block_mask`` that honours ``compile_mask`` instead of the caller's ``_compile``."""
    from torch.nn.attention.flex_attention import create_block_mask

    @functools.wraps(create_block_mask)
    def build(*args: Any, **kwargs: Any) -> Any:
        if compile_mask:
            try:
                return create_block_mask(*args, **{**kwargs, "_compile": True})
            except Exception as exc:  # the compiler vanished or failed: the eager mask is identical
                log.warning("compiling the attention mask failed (%s); building it uncompiled", exc)
        return create_block_mask(*args, **{**kwargs, "_compile": False})

    build.compile_mask = compile_mask  # type: ignore[attr-defined]
    return build


def install_block_mask_builder(compile_mask: bool, device_type: str) -> bool:
    """Point diffusers' Wan-Animate-2 transformer at our builder; returns whether it compiles.

    ``compile_mask`` is what the settings ask for; it is honoured only where a compiler exists.
    Process-wide, idempotent: a worker loads one engine, and tests may switch it either way.
    """
    import importlib

    module = importlib.import_module(_TARGET_MODULE)
    effective = compile_mask and compiler_available(device_type)
    if compile_mask and not effective:
        log.warning("no %s compiler found: the attention mask is built uncompiled (same result)", device_type)
    module.create_block_mask = block_mask_builder(effective)  # type: ignore[attr-defined]
    return effective


def installed_builder_compiles() -> bool | None:
    """What the installed builder does: True/False, None when diffusers' own is still in place."""
    import importlib

    module = importlib.import_module(_TARGET_MODULE)
    value = getattr(module.create_block_mask, "compile_mask", None)
    return value if isinstance(value, bool) else None
