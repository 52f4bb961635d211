"""Render engines: ``warp`` (CPU, always available) and ``diffusion`` (GPU)."""
