"""The GPU engine: Wan-Animate-2 through diffusers' modular pipeline.

``engine`` renders, ``loading`` loads and places the model once per worker, ``model_files``
finds and checks the checkpoint, ``memory`` plans how it fits on the card, ``progress``
reports steps and segments, ``block_mask`` keeps the attention mask working without a compiler.
Importing this package pulls in nothing heavy; ``engine`` imports torch and diffusers.
"""
