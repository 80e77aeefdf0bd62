"""Named random streams: reproducible, independent of each other, unchanged by buffering."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

from sim.model.rng import Stream, Streams, make_generator, stream_key


def uniforms(stream: Stream, n: int) -> list[float]:
    return [stream.uniform() for _ in range(n)]


def test_stream_key_is_the_crc32_of_the_name():
    assert stream_key("family.income") == zlib.crc32(b"family.income")
    assert stream_key("a") != stream_key("b")


def test_same_seed_replication_and_name_give_the_same_draws():
    a, b = Streams(7, 2), Streams(7, 2)
    assert uniforms(a["x"], 100) == uniforms(b["x"], 100)
    assert [a["y"].normal() for _ in range(50)] == [b["y"].normal() for _ in range(50)]


def test_adding_a_stream_does_not_change_another():
    alone = Streams(42)
    expected = uniforms(alone["family.patience"], 5000)
    crowded = Streams(42)
    for name in ("family.income", "births.time", "staff.quit"):
        uniforms(crowded[name], 3000)
        crowded[name].gen.standard_normal(100)
    assert uniforms(crowded["family.patience"], 5000) == expected


def test_draw_order_across_streams_does_not_matter():
    a = Streams(3)
    xa = uniforms(a["x"], 10)
    ya = uniforms(a["y"], 10)
    b = Streams(3)
    yb = uniforms(b["y"], 10)
    xb = uniforms(b["x"], 10)
    assert (xa, ya) == (xb, yb)


def test_streams_differ_by_name_replication_and_seed():
    base = uniforms(Streams(1, 0)["x"], 20)
    assert uniforms(Streams(1, 0)["y"], 20) != base
    assert uniforms(Streams(1, 1)["x"], 20) != base
    assert uniforms(Streams(2, 0)["x"], 20) != base


def test_streams_returns_the_same_stream_object_for_a_name():
    s = Streams(1)
    assert s["x"] is s["x"]


def test_buffered_uniforms_equal_the_generators_sequence_across_block_boundaries():
    n = 10_000  # more than two blocks
    got = uniforms(Stream(9, 1, "x"), n)
    assert got == make_generator(9, 1, "x").random(n).tolist()


def test_buffered_normals_equal_the_generators_sequence_across_block_boundaries():
    n = 10_000
    s = Stream(9, 1, "x")
    got = [s.normal() for _ in range(n)]
    assert got == make_generator(9, 1, "x").standard_normal(n).tolist()


def test_generator_matches_the_documented_seed_sequence():
    seq = np.random.SeedSequence(5, spawn_key=(3, zlib.crc32(b"name")))
    ref = np.random.Generator(np.random.PCG64(seq)).random(5)
    assert (make_generator(5, 3, "name").random(5) == ref).all()


def test_exponential_draws_have_the_requested_mean():
    n, mean = 20_000, 4.0
    s = Stream(11, 0, "e")
    x = np.array([s.exponential(mean) for _ in range(n)])
    assert (x >= 0).all()
    assert abs(x.mean() - mean) <= 5 * mean / math.sqrt(n)


@pytest.mark.parametrize("first", [0, 1, 4095, 4096, 5000])
@pytest.mark.parametrize("n", [1, 4096, 9000])
def test_take_gives_the_values_of_as_many_uniform_calls(first, n):
    a, b = Stream(5, 0, "x"), Stream(5, 0, "x")
    for _ in range(first):
        a.uniform()
        b.uniform()
    assert a.take(n) == [b.uniform() for _ in range(n)]
    assert a.uniform() == b.uniform()


def test_exponential_sampler_equals_inverse_transform_of_the_uniforms():
    from sim.params.distributions import Exponential

    draw = Exponential(2.5).sampler(Stream(9, 1, "family.stay"))
    ref = Stream(9, 1, "family.stay")
    assert [draw() for _ in range(10_000)] == [-2.5 * math.log(1.0 - ref.uniform()) for _ in range(10_000)]
