"""Solvers (imported as :mod:`vibmpo.solvers`): exact diagonalisation, DMRG and TDVP.

Solvers are plain functions returning result dataclasses; they take Hamiltonians as
quimb ``MatrixProductOperator`` objects (or, for the full-grid references, the operator
layer's grid Hamiltonians) and never import JAX. DMRG and TDVP share one sweep driver
(:func:`vibmpo.solvers.sweep.run_sweeps`: schedules, directions, one/two-site splits,
truncation, observers) and differ only in the local update they pass to it (Davidson
eigenvectors vs Lanczos exponentials, :mod:`vibmpo.linalg.krylov`). DMRG options are
typed objects (:mod:`vibmpo.solvers.dmrg_options`: the sweep schedule shared with block
DMRG, :func:`block_dmrg`, and the settings of each), and so are TDVP's
(:mod:`vibmpo.solvers.tdvp_options`); sequential excited states, their
starting guesses and checks live in :mod:`vibmpo.solvers.excited` and
:mod:`vibmpo.solvers.guesses`. The eigenvalue results (:class:`DMRGResult`,
:class:`ExactResult`) share the fields ``energies``, ``energy_unit``, ``wall_time``,
``converged`` and ``info``; the other results use these names where they apply.
"""

from vibmpo.linalg.krylov import expm_krylov

from ._block_dmrg import BlockDMRGResult, block_dmrg
from ._dmrg import DMRGConvergenceWarning, DMRGResult, dmrg
from ._tdvp import TDVPResult, tdvp
from .assign import Assignment, assign_states, ho_number_operators, one_site_densities
from .dmrg_options import (
    BLOCK_SCHEDULE,
    LEVELS_SCHEDULE,
    BlockOptions,
    DMRGSchedule,
    ExcitedOptions,
)
from .exact import ExactResult, exact_levels
from .guesses import configuration_guesses
from .itensors_io import read_itensors_mpo, read_itensors_mps, write_itensors
from .propagate_exact import ExactPropagation, propagate_exact
from .spectra import Spectrum, autocorrelation_t2, find_peaks, spectrum
from .states import apply_site_operator, gaussian_coefficients, gaussian_wavepacket
from .sweep import EffectiveOperator, SweepState, make_state, sweep_one_site, sweep_two_site
from .tdvp_options import TDVPOptions

__all__ = [
    # exact diagonalisation
    "exact_levels",
    "ExactResult",
    # DMRG and state assignment
    "dmrg",
    "DMRGResult",
    "DMRGConvergenceWarning",
    "DMRGSchedule",
    "ExcitedOptions",
    "LEVELS_SCHEDULE",
    "block_dmrg",
    "BlockDMRGResult",
    "BlockOptions",
    "BLOCK_SCHEDULE",
    "configuration_guesses",
    "Assignment",
    "assign_states",
    "ho_number_operators",
    "one_site_densities",
    # time evolution, initial states and spectra
    "tdvp",
    "TDVPResult",
    "TDVPOptions",
    "expm_krylov",
    "propagate_exact",
    "ExactPropagation",
    "gaussian_wavepacket",
    "gaussian_coefficients",
    "apply_site_operator",
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

# dmrg, tdvp and block_dmrg and their results are defined in the private modules _dmrg,
# _tdvp and _block_dmrg (a module named like its function would be shadowed by it): they
# belong to, are documented and pickle as, the package
DMRGResult.__module__ = dmrg.__module__ = __name__
TDVPResult.__module__ = tdvp.__module__ = __name__
BlockDMRGResult.__module__ = block_dmrg.__module__ = __name__

# presentation moved to the command line (vibmpo.cli.tables, vibmpo.cli.initial_spec):
# the former names here are deprecated aliases for one release
_MOVED = {
    "LevelsResult": "vibmpo.cli.tables",
    "levels_result": "vibmpo.cli.tables",
    "format_level_table": "vibmpo.cli.tables",
    "write_levels_json": "vibmpo.cli.tables",
    "parse_initial_spec": "vibmpo.cli.initial_spec",
}


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    import warnings

    warnings.warn(f"vibmpo.solvers.{name} moved to {_MOVED[name]}.{name} (it belongs to the "
                  "command line); the old name goes in the next release",
                  DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(_MOVED[name]), name)
