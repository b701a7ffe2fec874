"""Style attributes from pixels, their per-class levels, and how well generation controls them."""
