"""``vibmpo propagate``: TDVP wavepacket propagation, autocorrelation and spectrum.

Usage::

    vibmpo propagate SOURCE --t-final T --dt DT [--grid SPEC] [--initial SPEC] --out DIR

``SOURCE`` is an NN-MPO model file (``.h5``, vibmpo or Pompon format), ``h2co`` (the
bundled Pompon H2CO model), a force-field JSON file, or ``henon-heiles:F[:lambda]``.

Times: in femtoseconds (``--time-unit au`` for atomic units) when the Hamiltonian's
energy unit is a physical one (NN-MPO models; force fields in hartree, eV, cm-1,
kcal/mol or kJ/mol); for force fields in another unit (``hbar*omega``) in the inverse of
that unit (hbar = 1). Energies in the outputs: cm^-1 for physical units, the force
field's own unit otherwise, measured
from the ground level (found by DMRG, ``--zero ground``, the default) or from the
potential minimum of the harmonic analysis (``--zero minimum``); ``result.json`` states
the zero and its value on the Hamiltonian's scale.

Initial states (``--initial``)::

    gauss:displace=0:1.5,2:-0.5        displaced Gaussian (oscillator lengths per mode)
    gauss:displace=0:1;squeeze=1:2     ... squeezed along mode 1 (width x 2)
    ground | eigen:N                   DMRG ground / N-th state
    q0*ground                          q_0 applied to the ground state (normalised)

Outputs in ``--out``: ``autocorrelation.csv`` (t, Re C, Im C, |C|, source: ``direct``
or ``t/2`` for the doubled-time samples of the t/2 trick), ``observables.csv`` (energy
above the zero, norm, <q_i>, bond dimension, truncation per time), ``spectrum.csv`` and
``spectrum.json`` (peaks), ``autocorrelation.png``, ``spectrum.png`` and
``result.json`` (settings and summary).
"""

from __future__ import annotations

import argparse
import sys

from vibmpo.cli._dmrg import NOT_CONVERGED, add_strict
from vibmpo.cli._sources import SOURCE_HELP, add_allow_extrapolation

__all__ = ["register", "run", "propagate"]


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``propagate`` command.

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser(); sub = p.add_subparsers()
    >>> a = register(sub).parse_args(["h2co", "--t-final", "10", "--dt", "1", "--out", "x"])
    >>> a.grid, a.initial, a.time_unit
    ('ho:9', 'gauss:displace=0:1', 'fs')
    """
    from vibmpo.cli.initial_spec import INITIAL_SPEC_HELP

    p = subparsers.add_parser(
        "propagate",
        help="TDVP wavepacket propagation: autocorrelation, spectrum, observables",
        description=__doc__.split("\n\n", 1)[0].replace("``", ""),
        epilog=INITIAL_SPEC_HELP,
    )
    p.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    p.add_argument("--grid", default="ho:9", help="grid spec (default ho:9)")
    p.add_argument("--initial", default="gauss:displace=0:1",
                   help="initial state (default gauss:displace=0:1; the spec is below)")
    p.add_argument("--t-final", type=float, required=True,
                   help="total time (fs for physical energy units, see --time-unit)")
    p.add_argument("--dt", type=float, required=True, help="time step (same unit)")
    p.add_argument("--time-unit", choices=("fs", "au"), default="fs",
                   help="time unit when the energy unit is physical (default fs; force "
                        "fields in another unit: 1/that unit)")
    p.add_argument("--method", choices=("gse", "adaptive", "2site", "1site"), default="gse",
                   help="TDVP integrator: gse (one-site steps, the bonds grown by global "
                        "subspace expansion with Krylov vectors of H|psi>; default), adaptive "
                        "(two-site steps while the bonds grow, then one-site), 2site, or "
                        "1site (keeps the initial bonds)")
    p.add_argument("--maxdim", type=int, default=24,
                   help="largest MPS bond dimension (default 24)")
    p.add_argument("--cutoff", type=float, default=1e-12,
                   help="discarded weight per SVD of two-site steps (default 1e-12)")
    p.add_argument("--growth-substeps", type=int, default=1,
                   help="sub-steps of a time step while the bonds grow (gse, adaptive, 2site; "
                        "default 1)")
    p.add_argument("--window", choices=("hann", "gaussian", "box"), default="hann",
                   help="window on C(t) before the Fourier transform (default hann: line "
                        "width about 2 pi / T; its small side lobes can dip below zero "
                        "next to strong peaks; box: sharper lines, strong ringing)")
    p.add_argument("--no-t2", action="store_true",
                   help="do not use the t/2 trick to extend C(t) to 2 t_final")
    p.add_argument("--zero", choices=("ground", "minimum"), default="ground",
                   help="zero of the output energies: the ground level (DMRG, default) or "
                        "the potential minimum (harmonic analysis)")
    p.add_argument("--emin", type=float, default=None,
                   help="spectrum range start, cm-1 for physical units (the force field's "
                        "unit otherwise) above the --zero (default: mean energy - 6 spreads)")
    p.add_argument("--emax", type=float, default=None,
                   help="spectrum range end, same unit and zero (default: mean + 6 spreads)")
    p.add_argument("--dmrg-maxdim", type=int, default=32,
                   help="bond dimension of DMRG for the ground level and ground/eigen "
                        "initial states (default 32)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing non-empty --out folder (default: refuse)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress (a bar on a terminal, a line every 30 s otherwise)")
    add_allow_extrapolation(p)
    add_strict(p)
    p.set_defaults(func=run)
    return p


#: Most time steps one run may take.
MAX_STEPS = 10_000_000


def _check_times(t_final, dt) -> int:
    """Check ``--t-final`` and ``--dt`` in the unit the user typed them in; returns the
    number of steps.

    Examples
    --------
    >>> _check_times(10.0, 0.5)
    20
    >>> _check_times(10.0, 3.0)
    Traceback (most recent call last):
    ...
    ValueError: --t-final / --dt = 3.333 is not a whole number: use --dt 2.5 (4 steps) or ...
    """
    import math

    if not (math.isfinite(t_final) and math.isfinite(dt)) or dt == 0 or t_final == 0:
        raise ValueError(f"--t-final and --dt must be finite and non-zero, got --t-final "
                         f"{t_final:g} --dt {dt:g}")
    if (t_final > 0) != (dt > 0):
        raise ValueError(f"--t-final {t_final:g} and --dt {dt:g} have opposite signs; give "
                         "both positive (or both negative to propagate backwards)")
    ratio = t_final / dt
    n = round(ratio)
    if n < 1 or abs(ratio - n) > 1e-9 * max(1.0, abs(ratio)):
        up, down = max(1, math.ceil(ratio)), max(1, math.floor(ratio))
        raise ValueError(f"--t-final / --dt = {ratio:.4g} is not a whole number: use --dt "
                         f"{t_final / up:.6g} ({up} steps) or --t-final {down * dt:.6g} "
                         f"({down} steps)")
    if n > MAX_STEPS:
        raise ValueError(f"--t-final / --dt = {n:,} steps, more than {MAX_STEPS:,}: use a "
                         "larger --dt or a shorter --t-final")
    return int(n)


def _write_csv(path, header, rows):
    from vibmpo._checks import atomic_write

    with atomic_write(path, "w") as fh:
        fh.write(",".join(header) + "\n")
        for r in rows:
            fh.write(",".join(x if isinstance(x, str) else f"{x:.12g}" for x in r) + "\n")


def _ground_energy(H, dmrg_maxdim, init_info) -> float:
    """Ground level of ``H`` (its unit): from the initial state's DMRG when it ran, else a
    one-state DMRG."""
    if "dmrg_energies" in init_info:
        return float(init_info["dmrg_energies"][0])
    from vibmpo.solvers import DMRGSchedule, dmrg

    return float(dmrg(H, n_states=1, schedule=DMRGSchedule(maxdim=dmrg_maxdim)).energies[0])


def _initial_state(spec, ham, H, dmrg_maxdim):
    from vibmpo.solvers.states import apply_site_operator, gaussian_wavepacket

    info = {"spec": spec.kind}
    if spec.kind == "gauss":
        psi = gaussian_wavepacket(ham.grids, displace=spec.displace, squeeze=spec.squeeze,
                                  momentum=spec.momentum)
    else:
        from vibmpo.cli._dmrg import convergence_info, run_dmrg

        res = run_dmrg(H, "propagate", n_states=spec.eigen + 1, maxdim=dmrg_maxdim)
        psi = res.states[spec.eigen]
        info["dmrg_energies"] = [float(e) for e in res.energies]
        info.update(convergence_info(res))
    for m in reversed(spec.operators):
        if not 0 <= m < ham.n_modes:
            raise ValueError(f"q{m}: mode {m} outside 0..{ham.n_modes - 1}")
        psi, nrm = apply_site_operator(psi, m, ham.grids[m].points)
        info.setdefault("operator_norms", []).append({"mode": m, "norm": nrm})
    return psi, info


def run(args) -> int:
    """Run ``vibmpo propagate`` (see the module docstring and :func:`propagate`)."""
    try:
        propagate(args)
    except _NotConverged:
        print(f"vibmpo propagate: error: the DMRG initial state {args.initial!r} did not "
              "converge (--strict); nothing propagated or written: raise --dmrg-maxdim",
              file=sys.stderr)
        return NOT_CONVERGED
    return 0


def propagate(args, *, source=None, ham=None) -> dict:
    """Propagate as ``args`` (the parsed ``propagate`` options) say and write the outputs
    into ``args.out``; returns the summary written to ``result.json``.

    ``source`` (the loaded ``args.source``) and ``ham`` (its grid Hamiltonian on
    ``args.grid``) skip loading and building them again when the caller has them
    (``vibmpo demo``). The outputs are written into a temporary folder next to
    ``--out`` that replaces it only when the run is complete; an existing non-empty
    ``--out`` is refused before any work unless ``--overwrite``.
    """
    from pathlib import Path

    from vibmpo._checks import atomic_folder, check_outputs

    path = Path(args.source)
    check_outputs({}, {"SOURCE": path if path.exists() else None},
                  folder={"--out": args.out}, overwrite=args.overwrite)
    with atomic_folder(args.out, overwrite=args.overwrite) as tmp:
        return _run(args, tmp, source, ham)


class _NotConverged(Exception):
    """The DMRG initial state did not converge and ``--strict`` was given."""


def _scales(energy_unit, time_unit):
    """``(t_scale, t_label, e_unit, e_scale)``: times typed times ``t_scale`` are in
    hbar / the Hamiltonian's unit; energies times ``e_scale`` are in ``e_unit``. A
    physical energy unit (one :mod:`vibmpo.units` knows) shows cm^-1 and takes fs (or
    atomic time units); any other label is kept, with times in its inverse."""
    from vibmpo.units import FS_TO_AU, energy_factor

    try:
        to_hartree = energy_factor(energy_unit, "hartree")
    except ValueError:
        return 1.0, f"1/({energy_unit})", energy_unit, 1.0
    t_au = FS_TO_AU if time_unit == "fs" else 1.0
    return t_au * to_hartree, time_unit, "cm-1", energy_factor(energy_unit, "cm-1")


def _zero(args, H, init_info, source):
    """The zero of the output energies and its name (``--zero``)."""
    from vibmpo.cli._sources import energy_zero

    if args.zero == "ground":
        return _ground_energy(H, args.dmrg_maxdim, init_info), "ground level"
    zero, zero_label = energy_zero(source)
    return zero, zero_label or "zero of the Hamiltonian's potential"


def _run(args, out, source=None, ham=None) -> dict:
    from vibmpo._checks import write_json
    from vibmpo.cli._sources import load_source
    from vibmpo.cli.initial_spec import parse_initial_spec
    from vibmpo.operators.hamiltonian import grid_hamiltonian

    spec = parse_initial_spec(args.initial)
    _check_times(args.t_final, args.dt)
    src = load_source(args.source) if source is None else source
    if ham is None:
        ham = grid_hamiltonian(src, args.grid, allow_extrapolation=args.allow_extrapolation)
    H = ham.to_mpo()
    units = _scales(ham.energy_unit, args.time_unit)
    psi0, init_info = _initial_state(spec, ham, H, args.dmrg_maxdim)
    if args.strict and not all(init_info.get("converged", [True])):
        raise _NotConverged
    zero = _zero(args, H, init_info, src)
    res = _tdvp(args, ham, H, psi0, units)
    curve = _write_curves(out, args, res, units, zero[0])
    spec_res, window = _spectrum(args, res, H, psi0, curve, units, zero[0])
    _write_csv(out / "spectrum.csv", ["energy", "intensity"],
               zip((spec_res.energies - zero[0]) * units[3], spec_res.intensity, strict=True))
    summary = _summary(args, ham, src, init_info, res, units, zero, curve, spec_res, window)
    write_json(out / "spectrum.json", summary["spectrum"] | {
        "energy_unit": units[2], "energy_zero": zero[1]})
    write_json(out / "result.json", summary)
    _plots(out, args, curve, spec_res, units, zero)
    if not args.quiet:
        _report(args, res, summary)
    return summary


def _tdvp(args, ham, H, psi0, units):
    """The TDVP run with ``q_i`` observables and progress (bar or log lines)."""
    from vibmpo._progress import ProgressLines, interactive
    from vibmpo.cli._sources import compact_grid
    from vibmpo.solvers import TDVPOptions, tdvp

    t_scale, t_label = units[:2]
    n_steps = int(round(args.t_final / args.dt))
    if not args.quiet:
        print(f"propagating {args.source} on {compact_grid(ham.grid_spec, args.grid)} "
              f"({ham.n_modes} modes; full grid in result.json), initial state "
              f"{args.initial!r}, {n_steps} steps of {args.dt:g} {t_label}")
    obs = {f"q{i}": (i, g.points) for i, g in enumerate(ham.grids)}
    lines = None if args.quiet or interactive() else ProgressLines("tdvp", n_steps)
    options = TDVPOptions(maxdim=args.maxdim, cutoff=args.cutoff,
                          growth_substeps=args.growth_substeps)
    return tdvp(H, psi0, args.t_final * t_scale, dt=args.dt * t_scale, method=args.method,
                options=options, observables=obs,
                progress=not args.quiet and lines is None, callback=lines)


def _write_curves(out, args, res, units, zero):
    """``autocorrelation.csv`` and ``observables.csv``; returns the samples the spectrum
    uses: ``(t, tt, cc, step)`` (typed time unit), the t/2-trick samples (twice the time
    range, every 2 dt) when available, the direct samples otherwise."""
    import numpy as np

    t_scale, e_unit, e_scale = units[0], units[2], units[3]
    t = res.times / t_scale
    rows = [(ti, c.real, c.imag, abs(c), "direct")
            for ti, c in zip(t, res.autocorrelation, strict=True)]
    tt, cc, step = t, res.autocorrelation, args.dt
    if res.autocorrelation_2t is not None and not args.no_t2:
        t2 = res.times_2t / t_scale
        rows += [(ti, c.real, c.imag, abs(c), "t/2")
                 for ti, c in zip(t2, res.autocorrelation_2t, strict=True)]
        tt, cc, step = t2, res.autocorrelation_2t, 2.0 * args.dt
    _write_csv(out / "autocorrelation.csv", ["time", "re", "im", "abs", "source"], rows)
    names = list(res.observables)
    obs_rows = []
    for k in range(res.times.size):
        row = [t[k], (res.energies[k] - zero) * e_scale, res.norms[k], float(res.max_bond[k]),
               float(res.truncation_errors[k - 1]) if k else 0.0]
        obs_rows.append(row + [float(np.real(res.observables[nm][k])) for nm in names])
    _write_csv(out / "observables.csv",
               ["time", f"energy_{e_unit}", "norm", "max_bond", "truncation"] + names,
               obs_rows)
    return t, tt, cc, step


def _spectrum(args, res, H, psi0, curve, units, zero):
    """The spectrum of C(t) (atomic/native time) over ``--emin``..``--emax`` or, by
    default, the mean energy +- 6 spreads (within the Nyquist range, not below the
    ground level); returns it with ``(mean, spread, lo, hi)`` in the Hamiltonian's unit."""
    import numpy as np

    from vibmpo.solvers.spectra import spectrum

    t_scale, e_unit, e_scale = units[0], units[2], units[3]
    _, tt, cc, step = curve
    e_mean = float(res.energies[0])
    psi_h = H.apply(psi0)
    e2 = float(abs(psi_h.H @ psi_h)) / float(abs(psi0.H @ psi0))
    sigma_e = float(np.sqrt(max(e2 - e_mean**2, 0.0)))
    half = np.pi / (step * t_scale)  # Nyquist half-width around the mean energy
    width = min(half, max(6.0 * sigma_e, 20 * 2 * np.pi / (tt[-1] * t_scale)))
    lo, hi = e_mean - width, e_mean + width
    if args.zero == "ground" and hi > zero:  # nothing lies below the ground level
        lo = max(lo, zero - 0.05 * (hi - zero))
    if args.emin is not None:
        lo = args.emin / e_scale + zero
    if args.emax is not None:
        hi = args.emax / e_scale + zero
    spec_res = spectrum(tt * t_scale, cc, window=args.window, emin=lo, emax=hi, energy_unit=e_unit)
    return spec_res, (e_mean, sigma_e, lo, hi)


def _summary(args, ham, src, init_info, res, units, zero, curve, spec_res, window) -> dict:
    """What ``result.json`` holds (energies in ``e_unit`` above the zero)."""
    import numpy as np

    t_label, e_unit, e_scale = units[1:]
    (t, tt, _, _), (zero_value, zero_label) = curve, zero
    e_mean, sigma_e, lo, hi = window
    return {
        "source": args.source, "grid": ham.grid_spec, "initial": args.initial,
        "initial_info": init_info, "method": args.method, "maxdim": args.maxdim,
        "cutoff": args.cutoff, "growth_substeps": args.growth_substeps,
        "t_final": args.t_final, "dt": args.dt, "time_unit": t_label,
        "energy_unit": e_unit, "energy_zero": zero_label,
        "zero_value": zero_value, "hamiltonian_energy_unit": ham.energy_unit,
        "source_energy_unit": src.energy_unit, "n_steps": int(res.times.size - 1),
        "wall_time_s": res.wall_time, "steps_per_second": (res.times.size - 1) / res.wall_time,
        "energy_mean": (e_mean - zero_value) * e_scale, "energy_spread": sigma_e * e_scale,
        "energy_drift": float(np.ptp(res.energies)) * e_scale,
        "max_bond": int(res.max_bond.max()),
        "spectrum": {"peaks": ((spec_res.peaks - zero_value) * e_scale).tolist(),
                     "heights": spec_res.heights.tolist(),
                     "resolution": spec_res.resolution * e_scale, "window": args.window,
                     "t_max": float(tt[-1]), "used_t2_trick": bool(tt[-1] > t[-1]),
                     "energy_range": [(lo - zero_value) * e_scale,
                                      (hi - zero_value) * e_scale]},
    }


def _plots(out, args, curve, spec_res, units, zero):
    """``autocorrelation.png`` and ``spectrum.png``."""
    from vibmpo.plotting import plot_autocorrelation, plot_spectrum

    t_label, e_unit, e_scale = units[1:]
    t, tt, cc, _ = curve
    t2_used = bool(tt[-1] > t[-1])
    plot_autocorrelation(
        tt, cc, out / "autocorrelation.png", time_unit=t_label,
        title=f"{args.source}: {args.initial}, propagated {args.t_final:g} {t_label}",
        note=(f"C(2t) = psi(t)^T psi(t) (t/2 trick: real H and psi(0)) extends the "
              f"{args.t_final:g} {t_label} propagation to {2 * args.t_final:g} {t_label}"
              ) if t2_used else None)
    plot_spectrum((spec_res.energies - zero[0]) * e_scale, spec_res.intensity,
                  out / "spectrum.png", peaks=(spec_res.peaks - zero[0]) * e_scale,
                  energy_unit=e_unit, zero_label=zero[1],
                  title=f"{args.source}: {args.initial}",
                  note=(f"{args.window} window over {float(tt[-1]):g} {t_label}, "
                        f"resolution {spec_res.resolution * e_scale:.3g} {e_unit}"))


def _report(args, res, summary) -> None:
    """The closing lines: steps, drift, peaks, files."""
    e_unit, sp = summary["energy_unit"], summary["spectrum"]
    print(f"{res.times.size - 1} steps in {res.wall_time:.1f} s; max bond "
          f"{summary['max_bond']}; energy drift {summary['energy_drift']:.3g} {e_unit}")
    shown = ", ".join(f"{p:.1f}" for p in sp["peaks"][:12])
    print(f"spectrum peaks ({e_unit} above the {summary['energy_zero']}, resolution "
          f"{sp['resolution']:.3g}): {shown}")
    print(f"wrote {args.out}/: result.json, spectrum.json, autocorrelation.csv, "
          "observables.csv, spectrum.csv, autocorrelation.png, spectrum.png")
