"""``einsum``'s output shape (``dims.einsum_shape``, which torch.einsum and keras.ops.einsum share)
against numpy and torch computing it on arrays of those shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shapelens.analysis.dims import einsum_shape

CASES = [
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bqhd,bkhd->bhqk", [(2, 7, 4, 8), (2, 9, 4, 8)]),
    ("bhqk,bkhd->bqhd", [(2, 4, 7, 9), (2, 9, 4, 8)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bqd,dk", [(2, 5, 16), (16, 6)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ij->", [(3, 4)]),
    ("i,j->ij", [(3,), (5,)]),
    ("...ij,...jk->...ik", [(2, 3, 4, 5), (5, 6)]),
    ("...ld,de->...le", [(2, 10, 16), (16, 4)]),
    ("b...d->b...", [(2, 3, 4, 5)]),
    ("...e->...", [(2, 5, 6)]),
    ("bld->bd", [(2, 10, 16)]),
    ("bij", [(2, 3, 4)]),
    ("...i,...i->...", [(3, 1, 4), (5, 4)]),
    (" b i j , b j k -> b i k ", [(2, 3, 4), (2, 4, 5)]),
]


@pytest.mark.parametrize("spec, shapes", CASES)
def test_the_output_shape_is_numpys_and_torchs(spec: str, shapes: list) -> None:
    expected = np.einsum(spec, *(np.zeros(shape) for shape in shapes)).shape
    assert tuple(torch.einsum(spec.replace(" ", ""), *(torch.zeros(shape) for shape in shapes)).shape) == expected
    assert einsum_shape(spec, shapes) == expected


@pytest.mark.parametrize("spec, shapes", [("ij,jk->ik", [(3, 4), (5, 6)]), ("ij,jk->ik", [(3, 4)]),
                                          ("ijk->ij", [(3, 4)]), ("ij->ix", [(3, 4)]), ("...i,...i", [(2, 4), (3, 4)])])
def test_what_does_not_fit_is_a_reason_not_a_shape(spec: str, shapes: list) -> None:
    assert isinstance(einsum_shape(spec, shapes), str)


def test_a_size_known_on_one_operand_only_is_kept() -> None:
    assert einsum_shape("bij,bjk->bik", [(None, 3, 4), (2, None, 5)]) == (2, 3, 5)
