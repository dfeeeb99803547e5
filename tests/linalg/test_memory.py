"""Memory checks: the limit, the message, the advice."""

import pytest

from vibmpo.linalg import memory


def test_check_memory_refuses_what_does_not_fit_and_says_how_much():
    assert memory.available_memory() > 0
    memory.check_memory(0.5 * memory.available_memory(), "half of it")  # fits
    memory.check_memory(10 * 1024**2, "ten MiB", max_memory=11 * 1024**2)
    with pytest.raises(MemoryError, match=r"^a grid needs about 10\.0 MiB but only 5\.0 MiB "
                                          r"is available; use a coarser grid$"):
        memory.check_memory(10 * 1024**2, "a grid", max_memory=5 * 1024**2,
                            advice="use a coarser grid")
    with pytest.raises(MemoryError, match="an MPO method"):  # default advice
        memory.check_memory(10 * memory.available_memory(), "everything")
    assert [memory.format_bytes(1024.0**k) for k in range(6)] == [
        "1.0 B", "1.0 KiB", "1.0 MiB", "1.0 GiB", "1.0 TiB", "1.0 PiB"]
