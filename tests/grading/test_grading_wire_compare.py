"""The data channel (wire) and the comparison messages (compare)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lecture7.grading.compare import compare
from lecture7.grading.wire import WireError, decode, encode, pack, unpack


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                  elements=st.floats(-1e6, 1e6) | st.just(float("nan"))),
       st.integers(), st.booleans(), st.none() | st.text(max_size=5))
def test_pack_round_trips_arrays_numbers_and_containers(array, number, flag, text):
    data = {"a": array, "nested": [number, (flag, text)], "f32": array.astype(np.float32)}
    back = unpack(pack(data))
    assert np.array_equal(back["a"], array, equal_nan=True) and back["a"].dtype == np.float64
    assert back["nested"] == [number, (flag, text)] and back["f32"].dtype == np.float32


@pytest.mark.parametrize("value", [object(), np.array(["a"]), {1: 2}, {"__nd__": 1},
                                   np.zeros(2, dtype=complex)])
def test_only_plain_data_can_be_sent(value):
    with pytest.raises(WireError):
        encode(value)


@pytest.mark.parametrize("text", [
    '{"__nd__": "object", "shape": [1], "b64": ""}',
    '{"__nd__": "float64", "shape": [2], "b64": "AAAA"}',
    '{"__nd__": "float64", "shape": [-1], "b64": ""}',
    '{"__pickle__": "gASV"}',
    '{"__tuple__": 3}',
    "not json",
])
def test_decoding_refuses_anything_but_valid_data(text):
    with pytest.raises(WireError):
        decode(text)


def test_unpack_refuses_oversized_and_invalid_tokens():
    with pytest.raises(WireError):
        unpack("%%%")
    with pytest.raises(WireError):
        unpack(123)


def test_compare_names_output_largest_error_and_index():
    expected = {"next_w": np.array([[1.0, 2.0], [3.0, 4.0]]), "config": {"t": np.array(2.0)}}
    actual = {"next_w": np.array([[1.0, 2.5], [3.0, 4.1]]), "config": {"t": 1}}
    messages = [str(m) for m in compare(expected, actual, rtol=1e-6, atol=1e-9)]
    assert messages == [
        "next_w: largest error 0.5 at index (0, 1): expected 2, got 2.5 (2 of 4 entries differ)",
        "config['t']: expected 2, got 1",
    ]


@pytest.mark.parametrize(("actual", "message"), [
    ({}, "next_w: is missing"),
    ({"next_w": np.zeros(3)}, "next_w: has shape (3,), expected shape (2,)"),
    ({"next_w": "text"}, "next_w: expected an array, got 'text'"),
    ({"next_w": np.array([np.nan, 1.0])}, "next_w: got nan at index 0 where 1 was expected (1 of 2 entries differ)"),
])
def test_compare_explains_structural_differences(actual, message):
    found = compare({"next_w": np.array([1.0, 1.0])}, actual, rtol=1e-6, atol=0)
    assert [str(m) for m in found] == [message]


def test_nan_matches_nan_so_broken_variants_can_be_recognised():
    nan = np.array([np.nan, 2.0])
    assert compare(nan, nan.copy(), rtol=0, atol=0) == []
    assert compare([1, "a", None, True], [1, "a", None, True], rtol=0, atol=0) == []
    assert compare([True], [1], rtol=0, atol=0) != []
