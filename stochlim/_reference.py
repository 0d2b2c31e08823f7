"""Slow pure-Python twin of the SSA kernels, used as a test oracle.

It reads the same validated :class:`stochlim.ssa.Plan` (lowered model and rate tables), uses the
same generator (xoshiro256** seeded by splitmix64 from the root key and the trajectory index,
written here with Python integers) and the same draw order as ``stochlim._kernels.ssa``, so for the
same ``rng`` it reproduces the kernels' trajectories event by event. Thinning rates are evaluated
with :func:`stochlim.physics.log_hop_rates`, independently of the kernels' scalar rate law.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from .physics import log_hop_rates
from .ssa import Ensemble, ensemble_from, plan

__all__ = ["Xoshiro256", "simulate_reference"]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_INDEX_MIX = 0xD2B74407B1CE6E93


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & _MASK


class Xoshiro256:
    """xoshiro256** stream of one trajectory, per the contract in ``stochlim._kernels.ssa``."""

    def __init__(self, root: int, index: int):
        x = _mix(root & _MASK) ^ ((index * _INDEX_MIX) & _MASK)
        self.s = []
        for _ in range(4):
            x = (x + _GOLDEN) & _MASK
            self.s.append(_mix(x))

    def next_u64(self) -> int:
        s = self.s
        result = (_rotl((s[1] * 5) & _MASK, 7) * 9) & _MASK
        t = (s[1] << 17) & _MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def uniform(self) -> float:
        return (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)

    def exponential(self) -> float:
        return -math.log(1.0 - self.uniform())


def _next_event(p, gen, j, x, t, t1):
    """Time and directed edge of the next jump in segment ``j``, or ``(t1, -1)`` if none."""
    lo = p.lowered
    first, last = int(lo.out_ptr[x]), int(lo.out_ptr[x + 1])
    kind = p.method.name
    if kind in ("direct", "restart"):
        tot = p.total[j, x]
        if tot <= 0.0:
            return t1, -1
        tn = t + gen.exponential() / tot
        if tn >= t1:
            return t1, -1
        target = gen.uniform() * tot
        acc, chosen = 0.0, -1
        for d in range(first, last):
            if p.rate_a[j, d] > 0.0:
                acc += p.rate_a[j, d]
                chosen = d
                if target < acc:
                    break
        return tn, chosen
    if kind == "hazard":
        s0 = t - lo.seg_times[j]
        best, chosen = math.inf, -1
        for d in range(first, last):
            xi = gen.exponential()
            b = p.rate_b[j, d]
            c = p.rate_a[j, d] + b * s0
            # integrated hazard e^c (e^(b tau) - 1) / b = xi, solved for tau
            if b == 0.0:
                tau = math.exp(math.log(xi) - c) if xi > 0 else 0.0
            else:
                z = b * math.exp(math.log(xi) - c) if xi > 0 else 0.0
                tau = math.log1p(z) / b if z > -1.0 else math.inf
            if tau < best:
                best, chosen = tau, d
        if chosen >= 0 and t + best < t1:
            return t + best, chosen
        return t1, -1
    bound = p.total[j, x]
    if bound <= 0.0:
        return t1, -1
    while True:
        t = t + gen.exponential() / bound
        if t >= t1:
            return t1, -1
        dt = t - lo.seg_times[j]
        ex = lo.energy[j, x] + lo.energy_slope[j, x] * dt
        target = gen.uniform() * bound
        acc = 0.0
        for d in range(first, last):
            y, e = lo.out_dst[d], lo.out_edge[d]
            ey = lo.energy[j, y] + lo.energy_slope[j, y] * dt
            e0 = lo.barrier[j, e] + lo.barrier_slope[j, e] * dt
            log_k, _ = log_hop_rates(e0, ex - ey + lo.out_drive[d], J_max=lo.J_max, rate_law=lo.rate_law)
            acc += math.exp(log_k)
            if target < acc:
                return t, d


def _trajectory(p, i):
    lo = p.lowered
    gen = Xoshiro256(p.root, i)
    if p.x0s.size:
        x = int(p.x0s[i])
    else:
        x = bisect.bisect_right(list(p.p0_cum), gen.uniform())
    x_init = x
    times, states = [], []
    j, t = 0, 0.0
    e_in = lo.energy[0, x]
    w = q = 0.0
    while j < lo.n_segments:
        t0, t1 = lo.seg_times[j], lo.seg_times[j + 1]
        tn, d = _next_event(p, gen, j, x, t, t1)
        if d < 0:
            j, t = j + 1, t1
            continue
        y = int(lo.out_dst[d])
        ex = lo.energy[j, x] + lo.energy_slope[j, x] * (tn - t0)
        ey = lo.energy[j, y] + lo.energy_slope[j, y] * (tn - t0)
        f = lo.out_drive[d]
        w += ex - e_in + f
        q += ex - ey + f
        e_in = ey
        times.append(tn)
        states.append(y)
        x, t = y, tn
        if p.stop_mask is not None and p.stop_mask[x]:
            return x_init, x, times, states, w, q, tn
    # the work of a sojourn is E_x(leave) - E_x(enter), including steps of E_x while it lasts
    w += lo.energy_end()[-1, x] - e_in
    return x_init, x, times, states, w, q, math.nan


def simulate_reference(model, *, t_end, n_trajectories, p0=None, x0=None, rng=None,
                       method="auto", stop=None) -> Ensemble:
    """Pure-Python :func:`stochlim.simulate` with ``record="events"`` (slow; for tests)."""
    p = plan(model, t_end=t_end, n_trajectories=n_trajectories, p0=p0, x0=x0, rng=rng,
             method=method, record="events", stop=stop)
    runs = [_trajectory(p, i) for i in range(p.n_trajectories)]
    out = {
        "init": np.array([r[0] for r in runs], dtype=np.int64),
        "final": np.array([r[1] for r in runs], dtype=np.int64),
        "njump": np.array([len(r[2]) for r in runs], dtype=np.int64),
        "ev_t": np.array([tt for r in runs for tt in r[2]], dtype=np.float64),
        "ev_x": np.array([xx for r in runs for xx in r[3]], dtype=np.int32),
        "work": np.array([r[4] for r in runs]),
        "heat": np.array([r[5] for r in runs]),
        "fpt": None if stop is None else np.array([r[6] for r in runs]),
    }
    ev_off = np.concatenate(([0], np.cumsum(out["njump"]))).astype(np.int64)
    return ensemble_from(p, out, ev_off)
