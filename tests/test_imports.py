"""``import schedarray`` stays light: NumPy only."""

import subprocess
import sys

HEAVY = ("numba", "torch", "jax", "keras", "matplotlib", "tensorflow", "transformers", "optax")


def loaded_after(code):
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_import_loads_no_heavy_package():
    assert loaded_after("import schedarray") == []


def test_short_schedules_and_compat_load_no_heavy_package():
    code = ("import schedarray as sa, schedarray.compat.convnext as c\n"
            "sa.warmup_cosine(1000, peak=1e-3, warmup_steps=100)\n"
            "c.cosine_scheduler(1e-3, 1e-6, 10, 100, 1)")
    assert loaded_after(code) == []
