#!/usr/bin/env python3
"""Fits the polynomial coefficients of org.moe4j.kernel.Erf and reports the float32 error.

Needs numpy and mpmath. Weighted least squares on Chebyshev nodes, reweighted (Lawson's
algorithm) towards the minimax error, against mpmath at 30 digits; then the float32 evaluation
(Horner with fused multiply-add, emulated in double and rounded each step) is compared with
mpmath's erf on a dense grid.

    small branch, a < 1:       erf(a) = a + a * R(a^2),             R ~ erf(a)/a - 1
    large branch, 1 <= a < 4:  erf(a) = 1 - exp(-a^2) * Q(a - 2.5), Q ~ erfc(a) * exp(a^2)
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 30
f32 = np.float32
SPLIT, TOP, CENTRE = 1.0, 4.0, 2.5
SMALL_DEGREE, LARGE_DEGREE = 6, 11


def chebyshev_nodes(lo, hi, n=3000):
    k = np.arange(n)
    return (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (k + 0.5) / n)


def lawson_fit(u, y, weight, degree, iterations=80):
    vander = np.vander(u, degree + 1, increasing=True)
    w = np.ones_like(y)
    for _ in range(iterations):
        c, *_ = np.linalg.lstsq(vander * (weight * w)[:, None], y * weight * w, rcond=None)
        err = np.abs((vander @ c - y) * weight)
        w = w * np.sqrt(err / err.max()) + 1e-12
        w /= w.sum() / len(u)
    return c


def horner_fma(coefficients, u):
    r = np.full_like(u, coefficients[-1])
    for c in coefficients[-2::-1]:
        r = (r.astype(np.float64) * u.astype(np.float64) + np.float64(c)).astype(f32)
    return r


def erf32(x, small, large):
    a = np.abs(x.astype(f32))
    s = f32(a * a)
    small_branch = (a.astype(np.float64) * horner_fma(small, s) + a).astype(f32)
    q = horner_fma(large, f32(a - f32(CENTRE)))
    lo = (a.astype(np.float64) ** 2 - s).astype(f32)
    e = np.exp(-s.astype(np.float64)).astype(f32)
    e = (e - e.astype(np.float64) * lo).astype(f32)
    large_branch = (1 - e.astype(np.float64) * q).astype(f32)
    r = np.where(a < SPLIT, small_branch, np.where(a < TOP, large_branch, f32(1)))
    return np.copysign(r, x)


def main():
    s = chebyshev_nodes(0, SPLIT ** 2)
    ys = np.array([float(mp.erf(mp.sqrt(v)) / mp.sqrt(v) - 1) for v in s])
    small = lawson_fit(s, ys, np.ones_like(ys), SMALL_DEGREE).astype(f32)
    t = chebyshev_nodes(SPLIT, TOP)
    yl = np.array([float(mp.erfc(mp.mpf(v)) * mp.exp(mp.mpf(v) ** 2)) for v in t])
    large = lawson_fit(t - CENTRE, yl, 1 / yl, LARGE_DEGREE).astype(f32)
    print("SMALL =", ", ".join(str(f32(c)) + "f" for c in small))
    print("LARGE =", ", ".join(str(f32(c)) + "f" for c in large))

    xs = np.concatenate([np.linspace(1e-6, 4.5, 200001), np.geomspace(1e-30, 1e-3, 2000)]).astype(f32)
    ref = np.array([float(mp.erf(mp.mpf(float(v)))) for v in xs])
    got = erf32(xs, small, large).astype(np.float64)
    rel = np.abs(got - ref) / np.abs(ref)
    ulps = np.abs(got - ref) / np.spacing(np.abs(ref).astype(f32))
    print(f"max relative error {rel.max():.3g} at x = {xs[np.argmax(rel)]}, max {ulps.max():.3f} ulp")


if __name__ == "__main__":
    main()
