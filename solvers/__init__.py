"""Solvers (imported as :mod:`vibmpo.solvers`): exact diagonalisation, DMRG and TDVP.

Solvers are plain functions returning result dataclasses; they take Hamiltonians as
quimb ``MatrixProductOperator`` objects (or, for the full-grid references, the operator
layer's grid Hamiltonians) and never import JAX. DMRG and TDVP share one sweep driver
(:func:`vibmpo.solvers.sweep.run_sweeps`: schedules, directions, one/two-site splits,
truncation, observers) and differ only in the local update they pass to it (Davidson
eigenvectors vs Lanczos exponentials, :mod:`vibmpo.solvers.krylov`).
"""

from .assign import Assignment, assign_states, ho_number_operators, one_site_densities
from .dmrg import DMRGConvergenceWarning, DMRGResult, dmrg
from .dmrg_options import LEVELS_SCHEDULE, DMRGSchedule, ExcitedOptions
from .exact import ExactResult, exact_levels
from .guesses import configuration_guesses
from .itensors_io import read_itensors_mpo, read_itensors_mps, write_itensors
from .krylov import expm_krylov
from .propagate_exact import ExactPropagation, propagate_exact
from .results import LevelsResult, format_level_table, levels_result, write_levels_json
from .spectra import Spectrum, autocorrelation_t2, find_peaks, spectrum
from .states import (
    apply_site_operator,
    gaussian_coefficients,
    gaussian_wavepacket,
    parse_initial_spec,
)
from .sweep import EffectiveOperator, SweepState, make_state, sweep_one_site, sweep_two_site
from .tdvp import TDVPResult, tdvp

__all__ = [
    # exact diagonalisation and level tables
    "exact_levels",
    "ExactResult",
    "LevelsResult",
    "levels_result",
    "format_level_table",
    "write_levels_json",
    # DMRG and state assignment
    "dmrg",
    "DMRGResult",
    "DMRGConvergenceWarning",
    "DMRGSchedule",
    "ExcitedOptions",
    "LEVELS_SCHEDULE",
    "configuration_guesses",
    "Assignment",
    "assign_states",
    "ho_number_operators",
    "one_site_densities",
    # time evolution, initial states and spectra
    "tdvp",
    "TDVPResult",
    "expm_krylov",
    "propagate_exact",
    "ExactPropagation",
    "gaussian_wavepacket",
    "gaussian_coefficients",
    "apply_site_operator",
    "parse_initial_spec",
    "spectrum",
    "Spectrum",
    "find_peaks",
    "autocorrelation_t2",
    # ITensors.jl HDF5 interchange
    "write_itensors",
    "read_itensors_mpo",
    "read_itensors_mps",
    # the shared sweep engine
    "EffectiveOperator",
    "SweepState",
    "make_state",
    "sweep_one_site",
    "sweep_two_site",
]
