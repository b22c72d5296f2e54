"""Shared test configuration: Hypothesis profiles."""

import os

from hypothesis import settings

settings.register_profile("dev", deadline=None, print_blob=True, max_examples=100)
settings.register_profile(
    "ci", deadline=None, print_blob=True, max_examples=100, derandomize=True, database=None
)
settings.load_profile(
    os.environ.get("SCHEDARRAY_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)
