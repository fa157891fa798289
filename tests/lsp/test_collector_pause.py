"""The cycle collector is held off while any analysis is in flight, and only then."""

from __future__ import annotations

import gc

import pytest

from shapelens.analysis.collector import CollectorPause


def test_the_collector_is_held_off_until_the_last_holder_leaves():
    pause = CollectorPause()
    assert gc.isenabled()
    with pause.held():
        with pause.held():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), pause.held():
        1 / 0
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    pause = CollectorPause()
    gc.disable()
    try:
        with pause.held():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
