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


def test_what_an_analysis_leaves_alive_is_not_young_when_the_collector_is_back():
    pause = CollectorPause()
    gc.collect()
    with pause.held():
        kept = [[index] for index in range(5000)]  # a report's worth of container objects
    assert gc.isenabled()
    assert gc.get_count()[0] < 1000  # none of them waits for a young collection's walk
    assert gc.is_tracked(kept[0])
