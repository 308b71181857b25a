import pytest

import rung
from rung.errors import ConfigError
from rung.space import Choice, LogUniform, RandInt, Uniform
from rung.space_file import load_space, parse_space


def test_short_and_long_forms_and_constants():
    space = parse_space(
        """
        learning_rate = { loguniform = [1e-4, 1.0] }
        batch_size = { randint = [32, 512] }
        momentum = { type = "uniform", low = 0.0, high = 0.99 }
        act = { choice = ["relu", "sigmoid"] }
        decay = 0.5
        """
    )
    assert space["learning_rate"] == LogUniform(1e-4, 1.0)
    assert space["batch_size"] == RandInt(32, 512)
    assert space["momentum"] == Uniform(0.0, 0.99)
    assert space["act"] == Choice(["relu", "sigmoid"])
    assert space["decay"] == 0.5
    rung.Space(space)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lr = { loguniform = [0, 1] }", "'lr'.*low > 0"),
        ("lr = { normal = [0, 1] }", "'lr'.*one of"),
        ("lr = { uniform = [1] }", "'lr'.*\\[low, high\\]; got \\[1\\]"),
        ("lr = { type = 'gamma', low = 1, high = 2 }", "'lr'.*unknown type 'gamma'"),
        ("lr = { type = 'uniform', low = 1 }", "'lr'.*'low' and 'high'"),
        ("k = { choice = [] }", "'k'.*not be empty"),
        ("lr = 0.1", "no domain"),
        ("lr = {", "not valid TOML"),
    ],
)
def test_bad_space_files_name_the_parameter_and_the_problem(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_space(text, "space.toml")


def test_load_space_reads_files_and_reports_missing_ones(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text("x = { uniform = [0, 1] }\n")
    assert load_space(path) == {"x": Uniform(0, 1)}
    with pytest.raises(ConfigError, match="cannot read the space file"):
        load_space(tmp_path / "missing.toml")


def test_conditional_log_and_step_forms_round_trip():
    from rung.space_file import space_from_spec, space_to_spec

    space = parse_space(
        """
        classifier = { choice = ["SVC", "RandomForest"] }
        svc_c      = { loguniform = [1e-3, 1e3], when = { classifier = "SVC" } }
        max_depth  = { randint = [2, 33], log = true, when = { classifier = "RandomForest" } }
        lr         = { type = "uniform", low = 0, high = 1, step = 0.25 }
        """
    )
    assert space["svc_c"].when == {"classifier": ("SVC",)}
    assert space["max_depth"].log and space["lr"].step == 0.25
    assert space_from_spec(space_to_spec(space)) == space


def test_an_option_a_kind_does_not_take_is_refused():
    with pytest.raises(ConfigError, match="a choice takes no 'log' option"):
        parse_space('c = { choice = ["a", "b"], log = true }')


def test_a_space_file_is_read_as_utf8_and_other_text_is_refused(tmp_path):
    path = tmp_path / "space.toml"
    path.write_bytes("act = { choice = ['\u00e9lu', 'relu'] }\n".encode())
    assert load_space(path) == {"act": Choice(["\u00e9lu", "relu"])}
    path.write_bytes("act = { choice = ['\u00e9lu', 'relu'] }\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="space.toml: not valid TOML: it is not UTF-8 text"):
        load_space(path)


def test_a_space_file_that_starts_with_a_byte_order_mark_is_read(tmp_path):
    """Some editors start a UTF-8 file with a byte-order mark, which TOML does not allow."""
    path = tmp_path / "space.toml"
    path.write_bytes(b"\xef\xbb\xbfact = { choice = ['relu', 'tanh'] }\n")
    assert load_space(path) == {"act": Choice(["relu", "tanh"])}
