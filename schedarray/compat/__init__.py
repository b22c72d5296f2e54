"""Other libraries' schedules, reproduced number for number.

``schedarray.compat.<framework>.<snake_case name>`` takes the anchor's own
parameter names and defaults (plus ``base_lr`` where the anchor reads the base
rate from an optimizer, and ``num_steps`` for the array length where it has
none). ``result[t]`` is what the anchor's optimizer would hold for update
``t``. None of these modules imports the framework it mirrors.

Modules: `convnext` (the ConvNeXt/BEiT/DINO ``cosine_scheduler``), `torch` (torch's
lr_scheduler classes), `hf` (Hugging Face transformers schedules), `timm` (timm's
schedulers), `fvcore` (fvcore's param schedulers, detectron2's warmup and LRMultiplier),
`optax` (every ``optax.schedules`` schedule), `keras` (Keras 3's learning-rate schedules).
"""
