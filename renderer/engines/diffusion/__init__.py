"""The GPU engine: Wan-Animate-2 through diffusers' modular pipeline.

``engine`` renders and warms up, ``loading`` loads and places the model once per worker,
``model_files`` finds and checks the checkpoint (and reads whether it is the distilled one),
``fit`` plans the size a card and host can serve before loading (or refuses), ``memory`` holds
the arithmetic behind it, ``presets`` the base/distilled/fast presets (step cache, FP8),
``buckets`` the aspect-ratio buckets that bound the compiled shapes, ``readiness`` what the
health endpoint reports while loading, ``progress`` reports steps and segments, ``block_mask``
keeps the attention mask working without a compiler.
Importing this package pulls in nothing heavy; ``engine`` imports torch and diffusers.
"""
