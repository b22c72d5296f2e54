"""The Numba loop of `schedarray.compat._torch_steps` (imported lazily: it imports Numba).

Every branch is a transcription of one torch ``get_lr`` (torch 2.13), in
torch's operation order; see `schedarray.compat._torch_steps`.
"""

import math

import numpy as np

from .._kernels import _jit
from ._torch_steps import (
    CONSTANT,
    COSINE,
    CYCLIC,
    EXPONENTIAL,
    LAMBDA,
    LINEAR,
    MULTIPLICATIVE,
    MULTISTEP,
    OK,
    ONE_CYCLE_PAST_END,
    ONECYCLE,
    POLYNOMIAL,
    STEP,
    SWALR,
    WARM,
    ZERO_DIVISION,
)

#: Private: nothing public here (schedarray.compat lists public functions by __all__).
__all__: list[str] = []


@_jit
def anneal_swa(t, strategy):  # pragma: no cover - compiled
    if strategy == 0.0:
        return (1 - math.cos(math.pi * t)) / 2
    return t


@_jit
def closed_form(kind, p, base, e):  # pragma: no cover - compiled
    # _get_closed_form_lr at last_epoch e (SequentialLR calls it with e = 0)
    if kind == STEP:
        return base * math.pow(p[1], float(e // int(p[0]))), OK
    if kind == MULTISTEP:
        return base * p[0], OK
    if kind == CONSTANT:
        return base * (p[0] + (1.0 - p[0] if e >= p[1] else 0.0)), OK
    if kind == LINEAR:
        if p[2] == 0:
            return 0.0, ZERO_DIVISION
        return base * (p[0] + (p[1] - p[0]) * min(p[2], e) / p[2]), OK
    if kind == EXPONENTIAL:
        return base * math.pow(p[0], float(e)), OK
    if kind == POLYNOMIAL:
        if p[0] == 0:
            return 0.0, ZERO_DIVISION
        return base * math.pow(1.0 - min(p[0], e) / p[0], p[1]), OK
    # COSINE
    return p[1] + (base - p[1]) * (1 + math.cos(math.pi * e / p[0])) / 2, OK


@_jit
def get_lr(kind, p, f, base, lr, e, sc, initial, tcur, ti, g):  # pragma: no cover
    # g: group state [initial_lr, max_lr, min_lr, swa_lr]
    if kind == STEP:
        if e == 0 or e % int(p[0]) != 0:
            return lr, OK
        return lr * p[1], OK
    if kind == MULTISTEP:
        if e < 0 or e >= f.shape[0] or math.isnan(f[e]):
            return lr, OK
        return lr * f[e], OK
    if kind == CONSTANT:
        if e == 0:
            return lr * p[0], OK
        if e != p[1]:
            return lr, OK
        if p[0] == 0.0:
            return lr, ZERO_DIVISION
        return lr * (1.0 / p[0]), OK
    if kind == LINEAR:
        if e == 0:
            return lr * p[0], OK
        if initial or e > p[2]:
            return lr, OK
        return lr * (1.0 + (p[1] - p[0]) / (p[2] * p[0] + (e - 1) * (p[1] - p[0]))), OK
    if kind == EXPONENTIAL:
        if initial:
            return lr, OK
        return lr * p[0], OK
    if kind == POLYNOMIAL:
        if initial or e > p[0]:
            return lr, OK
        x = (1.0 - e / p[0]) / (1.0 - (e - 1) / p[0])
        if x == 0.0 and p[1] < 0:
            return lr, ZERO_DIVISION
        return lr * math.pow(x, p[1]), OK
    if kind == COSINE:
        tmax, eta = p[0], p[1]
        if initial:
            return lr, OK
        if sc == 1 and e > 0:
            return eta + (base - eta) * (1 + math.cos(e * math.pi / tmax)) / 2, OK
        if (e - 1 - int(tmax)) % (2 * int(tmax)) == 0:
            return lr + (base - eta) * (1 - math.cos(math.pi / tmax)) / 2, OK
        den = 1 + math.cos(math.pi * (e - 1) / tmax)
        if den == 0.0:
            return lr, ZERO_DIVISION
        return (1 + math.cos(math.pi * e / tmax)) / den * (lr - eta) + eta, OK
    if kind == LAMBDA:
        return base * f[e], OK
    if kind == MULTIPLICATIVE:
        if initial:
            return lr, OK
        return lr * f[e], OK
    if kind == CYCLIC:
        own, top, total, ratio, mode, gamma = base, p[1], p[2], p[3], p[4], p[5]
        cycle = math.floor(1 + e / total)
        x = 1.0 + e / total - cycle
        if x <= ratio:
            if ratio == 0.0:
                return lr, ZERO_DIVISION
            sf = x / ratio
        else:
            sf = (x - 1) / (ratio - 1)
        height = (top - own) * sf
        if mode == 0:
            scale = 1.0
        elif mode == 1:
            scale = 1 / math.pow(2.0, float(cycle - 1))
        elif mode == 2:
            scale = math.pow(gamma, float(e))
        else:
            scale = f[e]
        return own + height * scale, OK
    if kind == ONECYCLE:
        total, linear, phases = p[0], p[1], int(p[2])
        if e > total:
            return lr, ONE_CYCLE_PAST_END
        start = 0.0
        for i in range(phases):
            end = p[6 + i]
            if e <= end or i == phases - 1:
                if end - start == 0.0:
                    return lr, ZERO_DIVISION
                pct = (e - start) / (end - start)
                a = g[int(p[9 + 2 * i])]
                b = g[int(p[10 + 2 * i])]
                if linear == 0.0:
                    return b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1), OK
                return (b - a) * pct + a, OK
            start = end
        return lr, OK
    if kind == WARM:
        return p[2] + (base - p[2]) * (1 + math.cos(math.pi * tcur / ti)) / 2, OK
    # SWALR
    swa, epochs, strategy = g[3], int(p[1]), p[2]
    step = sc - 1
    if epochs == 0:
        step = max(1, step)
    prev_t = max(0.0, min(1.0, (step - 1) / max(1, epochs)))
    prev_alpha = anneal_swa(prev_t, strategy)
    if prev_alpha == 1:
        prev = swa
    else:
        prev = (lr - prev_alpha * swa) / (1 - prev_alpha)
    t = max(0.0, min(1.0, step / max(1, epochs)))
    alpha = anneal_swa(t, strategy)
    return swa * alpha + prev * (1 - alpha), OK


@_jit
def run(kinds, params, factors, mode, marks, who, lr0, out):  # pragma: no cover
    m = kinds.shape[0]
    n = out.shape[0]
    e = np.zeros(m, dtype=np.int64)
    sc = np.zeros(m, dtype=np.int64)
    tcur = np.zeros(m, dtype=np.int64)
    ti = np.zeros(m, dtype=np.int64)
    base = np.zeros(m)
    g = np.full(4, np.nan)  # group state: initial_lr, max_lr, min_lr, swa_lr
    lr = lr0
    # the constructors, in order: each sets its base and takes its initial step
    for k in range(m):
        kind, p = kinds[k], params[k]
        if kind == ONECYCLE:
            g[0], g[1], g[2] = p[3], p[4], p[5]
        elif kind == CYCLIC:
            lr = p[0]
        elif kind == SWALR:
            g[3] = p[0]
        if math.isnan(g[0]):
            g[0] = lr
        # (CyclicLR assigns its own base_lrs only after its initial step, which
        # therefore runs on initial_lr)
        base[k] = g[0]
        if kind == WARM:
            ti[k] = int(p[0])
        e[k], sc[k] = 0, 1
        lr, status = get_lr(kind, p, factors[k], base[k], lr, 0, 1, True, 0, ti[k], g)
        if status != OK:
            return status, 0, k
        if kind == CYCLIC:
            base[k] = p[0]
    if mode == 1:  # SequentialLR.__init__
        lr = g[0]
        for k in range(m):
            e[k] -= 1
        k = 0
        while k < marks.shape[0] and marks[k] <= 0:
            k += 1
        kind = kinds[k]
        sc[k], e[k] = 1, 0
        if kind == WARM:
            tcur[k], ti[k] = 0, int(params[k][0])
        lr, status = get_lr(kind, params[k], factors[k], base[k], lr, 0, 1, True,
                            tcur[k], ti[k], g)
        if status != OK:
            return status, 0, k
    out[0] = lr
    for t in range(1, n):
        if mode == 1:
            k = 0
            while k < marks.shape[0] and marks[k] <= t:
                k += 1
            lo, hi = k, k + 1
        elif mode == 2:
            lo, hi = who[t - 1], who[t - 1] + 1
        else:
            lo, hi = 0, m
        for k in range(lo, hi):
            kind, p = kinds[k], params[k]
            if mode == 1 and k > 0 and marks[k - 1] == t:  # _update_lr(0)
                e[k] = 0
                if kind <= COSINE:
                    lr, status = closed_form(kind, p, base[k], 0)
                else:
                    lr, status = get_lr(kind, p, factors[k], base[k], lr, 0, sc[k],
                                        False, tcur[k], ti[k], g)
            else:
                if kind == WARM:
                    if e[k] < 0:
                        tcur[k], ti[k] = 0, int(p[0])
                    else:
                        tcur[k] += 1
                        if tcur[k] >= ti[k]:
                            tcur[k] = tcur[k] % ti[k]
                            ti[k] = ti[k] * int(p[1])
                else:
                    sc[k] += 1
                e[k] += 1
                lr, status = get_lr(kind, p, factors[k], base[k], lr, e[k], sc[k], False,
                                    tcur[k], ti[k], g)
            if status != OK:
                return status, (e[k] if status == ONE_CYCLE_PAST_END else t), k
        out[t] = lr
    return OK, 0, 0

