"""The report line: what rung.report prints is what rung reads back."""

from __future__ import annotations

import io
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rung
from rung.reporting import ReportLineError, format_report_line, parse_report_line

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)


@given(
    resource=st.integers(min_value=0, max_value=10**9),
    metrics=st.dictionaries(names.filter(lambda n: n != "epoch"), st.floats(), min_size=1),
)
def test_a_printed_report_reads_back_exactly(resource, metrics):
    stream = io.StringIO()
    rung.report(resource, file=stream, **metrics)
    line = stream.getvalue()
    assert line.endswith("\n") and line.count("\n") == 1
    parsed = parse_report_line(line)
    assert parsed.resource_name == "epoch" and parsed.resource == resource
    assert list(parsed.metrics) == list(metrics)
    for key, value in metrics.items():
        got = parsed.metrics[key]
        assert got == value or (math.isnan(got) and math.isnan(value))


def test_other_lines_are_not_reports():
    assert parse_report_line("epoch 3 loss 0.2") is None
    assert parse_report_line(" [rung] epoch=1 loss=2") is None  # must start the line
    line = parse_report_line("[rung] step=3.0 val_loss=0.21 acc=93e-2\r\n")
    assert (line.resource_name, line.resource, dict(line.metrics)) == (
        "step",
        3,
        {"val_loss": 0.21, "acc": 0.93},
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[rung]", "needs the resource and at least one metric"),
        ("[rung] epoch=3", "needs the resource and at least one metric"),
        ("[rung] epoch=3 loss", "must read"),
        ("[rung] epoch=3 loss=", "must read"),
        ("[rung] epoch=3.5 loss=1", "must be an integer"),
        ("[rung] epoch=x loss=1", "must be an integer"),
        ("[rung] epoch=3 loss=banana", "'loss' is not a number"),
        ("[rung] epoch=3 loss=1 loss=2", "appears twice"),
    ],
)
def test_bad_report_lines_say_what_is_wrong_and_quote_the_line(line, message):
    with pytest.raises(ReportLineError, match=message) as caught:
        parse_report_line(line)
    assert repr(line) in str(caught.value)


def test_report_refuses_what_it_could_not_print_as_one_line():
    with pytest.raises(TypeError, match="resource must be an int"):
        format_report_line(1.5, {"loss": 1.0})
    with pytest.raises(TypeError, match="must be a real number"):
        format_report_line(1, {"loss": "low"})
    with pytest.raises(ValueError, match="names must be words"):
        format_report_line(1, {"val loss": 1.0})
    with pytest.raises(ValueError, match="at least one metric"):
        format_report_line(1, {})
