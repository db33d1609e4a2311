"""Servers started by the stack, the tests and the benches get ports outside the kernel's
ephemeral range, where the run's own outgoing connections could take them first."""

from __future__ import annotations

import socket

from scripts.stack import _ephemeral_range, free_port


def test_free_port_is_below_the_ephemeral_range_and_free() -> None:
    low, high = _ephemeral_range()
    ports = {free_port() for _ in range(20)}
    for port in ports:
        assert not low <= port <= high
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # nothing holds it


def test_a_port_in_use_is_not_handed_out(monkeypatch) -> None:
    from scripts import stack

    with socket.socket() as held:
        held.bind(("127.0.0.1", free_port()))
        held.listen()
        taken = held.getsockname()[1]
        # Two candidates: the one held and the next one.
        monkeypatch.setattr(stack, "_SERVER_PORTS", (taken, taken + 2))
        for _ in range(20):
            monkeypatch.setattr(stack, "_handed_out", set())
            assert free_port() == taken + 1


def test_a_port_is_handed_out_once_per_process(monkeypatch) -> None:
    from scripts import stack

    first = free_port()
    # The one already handed out and one more: only the other may come (nothing listens on
    # the first yet, as when a stack takes all its ports before starting its processes).
    monkeypatch.setattr(stack, "_SERVER_PORTS", (first, first + 2))
    for _ in range(20):
        monkeypatch.setattr(stack, "_handed_out", {first})
        assert free_port() == first + 1
