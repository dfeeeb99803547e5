"""The initial-state grammar of ``vibmpo propagate --initial``::

    gauss                               ground-state-like Gaussian on every mode
    gauss:displace=0:1.5,2:-0.5         displaced along modes 0 and 2 (oscillator lengths)
    gauss:displace=0:1;squeeze=1:2.0    ... and squeezed (omega x 2) along mode 1
    gauss:momentum=0:0.5                momentum kick p0 (complex state)
    ground                              DMRG ground state
    eigen:3                             DMRG state number 3 (0 = ground)
    q0*ground                           q_0 applied to the ground state, normalised
    q1*gauss:displace=0:1               q_1 applied to a wavepacket

:func:`parse_initial_spec` turns a spec into an :class:`InitialSpec`; the command builds
the state with :func:`vibmpo.solvers.gaussian_wavepacket`,
:func:`vibmpo.solvers.dmrg` and :func:`vibmpo.solvers.apply_site_operator`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["InitialSpec", "parse_initial_spec", "INITIAL_SPEC_HELP"]


#: Help text of the initial-state spec accepted by :func:`parse_initial_spec`.
INITIAL_SPEC_HELP = (
    "initial-state spec: 'gauss[:displace=M:D,...][;squeeze=M:S,...][;momentum=M:P,...]' "
    "(D in oscillator lengths, S multiplies the grid omega), 'ground', 'eigen:N', or "
    "'qM*<spec>' (q of mode M applied to <spec>, normalised), e.g. "
    "'gauss:displace=0:1.5,2:-0.5' or 'q0*ground'"
)


@dataclass(frozen=True)
class InitialSpec:
    """Parsed initial-state spec (see the module docstring).

    Attributes
    ----------
    kind : str
        ``"gauss"``, ``"ground"`` or ``"eigen"``.
    displace, squeeze, momentum : dict of int to float
        Gaussian parameters.
    eigen : int
        State index for ``"eigen"`` (0 for ``"ground"``).
    operators : tuple of int
        Modes whose :math:`q` is applied, innermost last (``"q0*q1*ground"`` applies q1
        then q0).

    Examples
    --------
    >>> spec = parse_initial_spec("q1*gauss:displace=0:1.0")
    >>> spec
    InitialSpec(kind='gauss', displace={0: 1.0}, squeeze={}, momentum={}, eigen=0, operators=(1,))
    >>> spec.needs_dmrg(), parse_initial_spec("ground").needs_dmrg()
    (False, True)
    """

    kind: str
    displace: dict = field(default_factory=dict)
    squeeze: dict = field(default_factory=dict)
    momentum: dict = field(default_factory=dict)
    eigen: int = 0
    operators: tuple = ()

    def needs_dmrg(self) -> bool:
        """Whether building the state needs eigenstates of H."""
        return self.kind in ("ground", "eigen")


def _parse_pairs(text, key, spec):
    out = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            m, v = item.split(":")
            mode, value = int(m), float(v)
        except ValueError:
            raise ValueError(
                f"cannot read {key} entry {item!r} in {spec!r}: use MODE:VALUE pairs, "
                f"comma-separated. {INITIAL_SPEC_HELP}") from None
        if mode in out:
            raise ValueError(f"mode {mode} appears twice in {key} of {spec!r}; give each "
                             "mode once")
        out[mode] = value
    return out


def _operators(text):
    """Peel ``qM*`` prefixes: (modes applied, innermost last; the rest of the spec)."""
    ops = []
    while m := re.match(r"^q(\d+)\s*\*\s*(.+)$", text):
        ops.append(int(m.group(1)))
        text = m.group(2).strip()
    return tuple(ops), text


def _ground(rest, ops, spec):
    if rest:
        raise ValueError(f"'ground' takes no parameters in {spec!r}; {INITIAL_SPEC_HELP}")
    return InitialSpec("ground", operators=ops)


def _eigen(rest, ops, spec):
    try:
        k = int(rest)
    except ValueError:
        raise ValueError(f"'eigen:N' needs an integer N in {spec!r}") from None
    if k < 0:
        raise ValueError(f"eigen state index must be >= 0 in {spec!r}")
    return InitialSpec("eigen", eigen=k, operators=ops)


def _gauss(rest, ops, spec):
    params = {"displace": {}, "squeeze": {}, "momentum": {}}
    seen = set()
    for part in filter(None, (p.strip() for p in rest.split(";"))):
        key, eq, val = part.partition("=")
        key = key.strip().lower()
        if not eq or key not in params:
            raise ValueError(f"unknown gauss parameter {part!r} in {spec!r}; "
                             f"{INITIAL_SPEC_HELP}")
        if key in seen:
            raise ValueError(f"{key!r} appears twice in {spec!r} (only the last would "
                             f"count); list all modes in one: {key}=0:1,1:2")
        seen.add(key)
        params[key] = _parse_pairs(val, key, spec)
    return InitialSpec("gauss", operators=ops, **params)


_KINDS = {"ground": _ground, "eigen": _eigen, "gauss": _gauss}


def parse_initial_spec(spec: str) -> InitialSpec:
    """Parse an initial-state spec string (grammar in the module docstring).

    Examples
    --------
    >>> s = parse_initial_spec("q0*gauss:displace=0:1.5,2:-0.5;squeeze=1:2")
    >>> s.kind, s.displace, s.squeeze, s.operators
    ('gauss', {0: 1.5, 2: -0.5}, {1: 2.0}, (0,))
    >>> parse_initial_spec("eigen:3").eigen
    3
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"empty initial-state spec; {INITIAL_SPEC_HELP}")
    ops, text = _operators(spec.strip())
    head, _, rest = text.partition(":")
    head = head.strip().lower()
    if head not in _KINDS:
        raise ValueError(f"unknown initial state {head!r} in {spec!r}; {INITIAL_SPEC_HELP}")
    return _KINDS[head](rest, ops, spec)
