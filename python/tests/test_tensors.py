"""Tensors between numpy and the VM: copies in and out, conversions, errors, limits."""

import numpy as np
import pytest

import adead
from conftest import load

PROGRAM = """
.func add params=3 regs=3
    tadd r2, r0, r1
    ret r2
.end
.func sum_into_new params=2 regs=6
    movi r3, 1
    tnew r2, r3, 1
    tadd r2, r0, r1
    ret r2
.end
.func first params=1 regs=3
    movi r1, 0
    tget r2, r0, r1
    ret r2
.end
.func drop params=1 regs=1
    tfree r0
    ret r0
.end
.func via_host params=1 regs=2
    hcall r1, negate, r0, 1
    ret r1
.end
.export add
.export sum_into_new
.export first
.export drop
.export via_host
"""


@pytest.fixture
def instance(tier):
    return load(PROGRAM, tier=tier).instantiate({"negate": negate})


@adead.host(caller=True)
def negate(caller, handle):
    """A new tensor holding minus the program's tensor."""
    return caller.new_tensor(-caller.tensor(handle))


def test_round_trip_is_a_copy(instance):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    handle = instance.new_tensor(array)
    array[0, 0] = 100.0  # the VM holds its own copy
    out = instance.tensor(handle)
    assert out.dtype == np.float32 and out.shape == (3, 4) and out.flags.c_contiguous
    np.testing.assert_array_equal(out, np.arange(12, dtype=np.float32).reshape(3, 4))
    out[1, 1] = -1.0  # and the array it returns is the caller's
    assert instance.tensor(handle)[1, 1] == 5.0
    assert handle in instance.tensor_handles
    # 12 floats plus the 128-byte table entry (Config::max_tensor_bytes' rule).
    assert instance.tensor_bytes == 12 * 4 + 128


def test_program_computes_on_host_tensors(instance):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    ha, hb, hout = instance.new_tensor(a), instance.new_tensor(b), instance.new_tensor(np.zeros((4, 5), np.float32))
    assert instance.call("add", ha, hb, hout) == hout
    # One float32 addition per element: exactly numpy's.
    np.testing.assert_array_equal(instance.tensor(hout), a + b)
    handle = instance.call("sum_into_new", ha, hb)
    np.testing.assert_array_equal(instance.tensor(handle), a + b)
    assert instance.call("first", ha, result="f32") == float(a[0, 0])


def test_other_dtypes_and_layouts_are_converted(instance):
    f64 = np.linspace(0, 1, 10)
    np.testing.assert_array_equal(instance.tensor(instance.new_tensor(f64)), f64.astype(np.float32))
    ints = np.arange(6, dtype=np.int64).reshape(2, 3)
    np.testing.assert_array_equal(instance.tensor(instance.new_tensor(ints)), ints.astype(np.float32))
    strided = np.arange(20, dtype=np.float32).reshape(4, 5)[:, ::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(instance.tensor(instance.new_tensor(strided)), strided)
    fortran = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(instance.tensor(instance.new_tensor(fortran)), fortran)
    np.testing.assert_array_equal(instance.tensor(instance.new_tensor([[1, 2], [3, 4]])), [[1, 2], [3, 4]])


def test_write_tensor_copies_in_place(instance):
    handle = instance.new_tensor(np.zeros((2, 2), np.float32))
    instance.write_tensor(handle, np.array([[1, 2], [3, 4]]))
    np.testing.assert_array_equal(instance.tensor(handle), [[1, 2], [3, 4]])
    with pytest.raises(adead.TensorError) as caught:
        instance.write_tensor(handle, np.zeros(4, np.float32))
    assert caught.value.kind == "tensor_shape"
    assert isinstance(caught.value, ValueError)


def test_bad_ranks_and_stale_handles(instance):
    for bad in (np.zeros((1, 1, 1, 1, 1), np.float32), np.array(1.0, np.float32)):
        with pytest.raises(adead.TensorError) as caught:
            instance.new_tensor(bad)
        assert caught.value.kind == "tensor_shape"
    handle = instance.new_tensor(np.ones(3, np.float32))
    instance.free_tensor(handle)
    for use in (instance.tensor, instance.free_tensor):
        with pytest.raises(adead.TensorError) as caught:
            use(handle)
        assert caught.value.kind == "bad_tensor"
    with pytest.raises(adead.TensorError):
        instance.tensor(12345)
    with pytest.raises(OverflowError):
        instance.tensor(-1)
    # A program freeing the host's tensor makes the handle stale for the host too.
    other = instance.new_tensor(np.ones(3, np.float32))
    instance.call("drop", other)
    with pytest.raises(adead.TensorError):
        instance.tensor(other)
    # A program using a stale handle traps.
    with pytest.raises(adead.Trap) as caught:
        instance.call("first", other)
    assert caught.value.kind == "bad_tensor"


def test_limits_apply_to_host_tensors():
    instance = load(PROGRAM, max_tensors=2).instantiate({"negate": negate})
    instance.new_tensor(np.ones(1, np.float32))
    instance.new_tensor(np.ones(1, np.float32))
    with pytest.raises(adead.TensorError) as caught:
        instance.new_tensor(np.ones(1, np.float32))
    assert caught.value.kind == "tensor_limit"
    # 1000 floats take 4000 bytes + 128: over a 4096-byte budget.
    small = load(PROGRAM, max_tensor_bytes=4096).instantiate({"negate": negate})
    with pytest.raises(adead.TensorError) as caught:
        small.new_tensor(np.ones(1000, np.float32))
    assert caught.value.kind == "tensor_limit"
    small.new_tensor(np.ones(900, np.float32))


def test_host_function_makes_tensors_through_its_caller(instance):
    array = np.array([1.5, -2.0, 0.0], np.float32)
    result = instance.call("via_host", instance.new_tensor(array))
    np.testing.assert_array_equal(instance.tensor(result), -array)


def test_tensor_errors_in_a_host_function_become_host_traps(instance):
    with pytest.raises(adead.Trap) as caught:
        instance.call("via_host", 999)
    assert caught.value.kind == "host"
    assert isinstance(caught.value.__cause__, adead.TensorError)
    assert caught.value.__cause__.kind == "bad_tensor"
