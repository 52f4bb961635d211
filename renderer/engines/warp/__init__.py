"""warp."""
