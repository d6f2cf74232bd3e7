"""Settings that would hang or break a run are refused at start: misspelled names, numbers that
are not finite or past their declared bound, empty paths, a timestamp out of range, JOBDIR."""

from __future__ import annotations

import pytest

from crawler import cli
from crawler.base.registry import SETTINGS, check_names
from crawler.run.config import ConfigError, load_config
from tests.conftest import run_crawl

#: the settings whose value is a number (their kind checks it)
NUMBERS = sorted(
    name
    for name, s in SETTINGS.items()
    if isinstance(s.default, int | float) and not isinstance(s.default, bool)
)


@pytest.mark.parametrize("name", NUMBERS)
@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "1e308"])
def test_every_number_is_finite_and_bounded(name, raw):
    with pytest.raises(ConfigError, match=name):
        SETTINGS[name].kind(name, raw)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"LINKHEALTH_CONFIRM_DAYS": "nan"}, "LINKHEALTH_CONFIRM_DAYS: expected a finite number"),
        ({"LINKHEALTH_RETRY_BACKOFF": "1e308"}, "LINKHEALTH_RETRY_BACKOFF: must be at most 60"),
        ({"LINKHEALTH_PROCESSES": "100000"}, "LINKHEALTH_PROCESSES: must be at most 256"),
        ({"DOWNLOAD_TIMEOUT": "inf"}, "DOWNLOAD_TIMEOUT: expected a finite number"),
        ({"CONCURRENT_REQUESTS": "1e308"}, "CONCURRENT_REQUESTS: must be at most 10000"),
        ({"RETRY_TIMES": "1e9"}, "RETRY_TIMES: must be at most 100"),
        ({"LINKHEALTH_STATE_DB": ""}, "LINKHEALTH_STATE_DB: empty; give a path"),
        ({"LINKHEALTH_REPORT_DIR": ""}, "LINKHEALTH_REPORT_DIR: empty; give a path"),
        ({"LINKHEALTH_NOW": "9999-12-31T23:59:59Z"}, "LINKHEALTH_NOW: .* is out of range"),
        ({"LINKHEALTH_NOW": "0001-01-01T00:00:00+01:00"}, "LINKHEALTH_NOW: "),
        ({"JOBDIR": "jobs"}, "JOBDIR: not for linkhealth"),
    ],
)
def test_absurd_values_are_refused(tmp_path, values, message):
    with pytest.raises(ConfigError, match=message):
        load_config({"LINKHEALTH_SEEDS": str(tmp_path), **values}.get)


def test_sane_values_still_pass(tmp_path):
    config = load_config(
        {
            "LINKHEALTH_SEEDS": str(tmp_path),
            "LINKHEALTH_CONFIRM_DAYS": "0.5",
            "LINKHEALTH_RETRY_BACKOFF": "0.05",
            "LINKHEALTH_NOW": "2026-12-07T00:00:00Z",
            "DOWNLOAD_TIMEOUT": "4",
        }.get
    )
    assert config.confirm.days == 0.5


@pytest.mark.parametrize(
    ("name", "closest"),
    [
        ("LINKHEALTH_ARCHVE_ENABLED", "LINKHEALTH_ARCHIVE_ENABLED"),
        ("LINKHEALTH_FAILON", "LINKHEALTH_FAIL_ON"),
        ("LINKHEALTH_STATE", "LINKHEALTH_STATE_DB"),
        ("LINKHEALTH_WAYBACK_ACCESS", "LINKHEALTH_WAYBACK_ACCESS_KEY"),
    ],
)
def test_a_misspelled_name_names_the_closest_setting(name, closest):
    with pytest.raises(ConfigError) as info:
        check_names({name: "1", "LINKHEALTH_SEEDS": "seeds", "PATH": "/bin"}, "here")
    assert str(info.value) == f"{name} (here): not a linkhealth setting; did you mean {closest}?"


def test_known_and_environment_only_names_pass():
    check_names([*SETTINGS, "LINKHEALTH_WAYBACK_SECRET_KEY", "HOME", "LINKHEALTHY"], "here")


def test_linkhealth_commands_refuse_a_misspelled_environment_variable(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("LINKHEALTH_CONFIRM_CHEKS", "5")
    assert cli.main(["report", "--state", str(tmp_path / "s.sqlite")]) == 2
    assert capsys.readouterr().err.strip() == (
        "linkhealth report: LINKHEALTH_CONFIRM_CHEKS (an environment variable): not a "
        "linkhealth setting; did you mean LINKHEALTH_CONFIRM_CHECKS?"
    )


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("env", "settings", "line"),
    [
        (
            {},
            {"LINKHEALTH_ARCHVE_ENABLED": "0"},
            "LINKHEALTH_ARCHVE_ENABLED (a setting): not a linkhealth setting; did you mean "
            "LINKHEALTH_ARCHIVE_ENABLED?",
        ),
        (
            {"LINKHEALTH_FAILON": "dead"},
            {},
            "LINKHEALTH_FAILON (an environment variable): not a linkhealth setting; did you "
            "mean LINKHEALTH_FAIL_ON?",
        ),
        (
            {"LINKHEALTH_STATE_DB": ""},
            {},
            "LINKHEALTH_STATE_DB: empty; give a path (the default is state/linkhealth.sqlite)",
        ),
        (
            {"LINKHEALTH_REPORT_DIR": ""},
            {},
            "LINKHEALTH_REPORT_DIR: empty; give a path (the default is reports)",
        ),
        ({}, {"LINKHEALTH_RETRY_BACKOFF": "1e308"}, "LINKHEALTH_RETRY_BACKOFF: must be at most 60"),
        ({}, {"JOBDIR": "jobs"}, "JOBDIR: not for linkhealth"),
    ],
)
def test_the_crawl_refuses_them_in_one_line(tmp_path, env, settings, line):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text("<http://example.test/>\n", encoding="utf-8")
    result = run_crawl(
        seeds, tmp_path, env={"PATH": "/usr/bin:/bin", **env}, settings=settings, timeout=60
    )
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"linkhealth: configuration error: {line}")
    assert "Traceback" not in result.stderr
    assert not result.state.exists()
