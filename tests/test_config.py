"""Bad configuration stops the run at start, naming the setting, before any request."""

from __future__ import annotations

from collections import Counter

import pytest

from crawler.base import registry
from crawler.base.registry import SETTINGS, value
from crawler.report.fixes import STYLES
from crawler.run.config import ConfigError, load_config
from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb


def _get(values):
    return values.get


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"DOWNLOAD_TIMEOUT": "-1"}, "DOWNLOAD_TIMEOUT"),
        ({"CONCURRENT_REQUESTS_PER_DOMAIN": "0"}, "CONCURRENT_REQUESTS_PER_DOMAIN"),
        ({"RETRY_TIMES": "many"}, "RETRY_TIMES"),
        ({"LINKHEALTH_FAIL_ON": "dead,gone"}, "LINKHEALTH_FAIL_ON"),
        ({"LINKHEALTH_NOW": "yesterday"}, "LINKHEALTH_NOW"),
        ({"LINKHEALTH_CONFIRM_CHECKS": "2.5"}, "LINKHEALTH_CONFIRM_CHECKS"),
        ({"LINKHEALTH_OFFLINE_HOST_SHARE": "1.5"}, "LINKHEALTH_OFFLINE_HOST_SHARE"),
        ({"LINKHEALTH_CANARY_URLS": "ftp://x"}, "LINKHEALTH_CANARY_URLS"),
        ({"LINKHEALTH_PROXY_HOSTS": "zhihu.com"}, "LINKHEALTH_PROXY_HOSTS"),
        ({"LINKHEALTH_RESUME": "perhaps"}, "LINKHEALTH_RESUME"),
        ({"LINKHEALTH_RETRY_AFTER_MAX": "-1"}, "LINKHEALTH_RETRY_AFTER_MAX"),
        ({"LINKHEALTH_RETRY_BACKOFF": "soon"}, "LINKHEALTH_RETRY_BACKOFF"),
        ({"LINKHEALTH_RULES": "/nonexistent/rules.toml"}, "LINKHEALTH_RULES"),
        ({"LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE": "0"}, "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE"),
        ({"LINKHEALTH_ARCHIVE_MAX_AGE": "a month"}, "LINKHEALTH_ARCHIVE_MAX_AGE"),
        ({"LINKHEALTH_ARCHIVE_PAUSE": "-1"}, "LINKHEALTH_ARCHIVE_PAUSE"),
        ({"LINKHEALTH_ARCHIVE_ENABLED": "yes please"}, "LINKHEALTH_ARCHIVE_ENABLED"),
        ({"LINKHEALTH_ARCHIVE_ANONYMOUS_SAVE": "maybe"}, "LINKHEALTH_ARCHIVE_ANONYMOUS_SAVE"),
        ({"LINKHEALTH_ARCHIVE_FIX_STYLE": "rewrite"}, "LINKHEALTH_ARCHIVE_FIX_STYLE"),
        ({"LINKHEALTH_ARCHIVE_BASE": "web.archive.org"}, "LINKHEALTH_ARCHIVE_BASE"),
        ({"LINKHEALTH_REDIS_LEASE": "soon"}, "LINKHEALTH_REDIS_LEASE"),
        ({"LINKHEALTH_REDIS_BATCH": "2.5"}, "LINKHEALTH_REDIS_BATCH"),
        ({"LINKHEALTH_REDIS_POLL": "0"}, "LINKHEALTH_REDIS_POLL"),
        ({"LINKHEALTH_REDIS_URL": "localhost:6379"}, "LINKHEALTH_REDIS_URL"),
        ({"LINKHEALTH_REDIS_URL": "redis://h:port/0"}, "LINKHEALTH_REDIS_URL"),
        ({"LINKHEALTH_PROCESSES": "0"}, "LINKHEALTH_PROCESSES"),
        ({"LINKHEALTH_PROCESSES": "all"}, "LINKHEALTH_PROCESSES"),
        ({"LINKHEALTH_PROCESSES": "1.5"}, "LINKHEALTH_PROCESSES"),
        ({"LINKHEALTH_LINK_SOURCE": "crawler.run.nowhere.Source"}, "LINKHEALTH_LINK_SOURCE"),
        ({"LINKHEALTH_LINK_SOURCE": "crawler.run.sources.Nothing"}, "LINKHEALTH_LINK_SOURCE"),
        ({"LINKHEALTH_LINK_SOURCE": "LocalSource"}, "LINKHEALTH_LINK_SOURCE"),
    ],
)
def test_bad_values_name_the_setting(values, named, tmp_path):
    values = {"LINKHEALTH_SEEDS": str(tmp_path), **values}
    with pytest.raises(ConfigError, match=named):
        load_config(_get(values))


@pytest.mark.parametrize(
    ("given", "processes"),
    [
        ({}, None),
        ({"LINKHEALTH_PROCESSES": "auto"}, None),
        ({"LINKHEALTH_PROCESSES": " AUTO "}, None),
        ({"LINKHEALTH_PROCESSES": ""}, None),
        ({"LINKHEALTH_PROCESSES": "3"}, 3),
        # a worker of the distributed profile is one process: auto means 1 there
        ({"LINKHEALTH_REDIS_URL": "redis://127.0.0.1:1/0"}, 1),
    ],
)
def test_processes_are_auto_by_default(tmp_path, given, processes):
    """None: decided when the links to fetch are known (crawler.run.sharding.auto_processes)."""
    assert load_config(_get({"LINKHEALTH_SEEDS": str(tmp_path), **given})).processes == processes


def test_good_archive_and_redis_values_pass(tmp_path):
    config = load_config(
        _get(
            {
                "LINKHEALTH_SEEDS": str(tmp_path),
                "LINKHEALTH_ARCHIVE_ENABLED": "True",
                "LINKHEALTH_ARCHIVE_PAUSE": "0",
                "LINKHEALTH_ARCHIVE_FIX_STYLE": "replace",
                "LINKHEALTH_REDIS_URL": "rediss://user:pw@redis.example:6380/2",
                "LINKHEALTH_REDIS_BATCH": "",  # empty: the default, as the worker reads it
            }
        )
    )
    assert config.fix_style == "replace"
    assert config.redis_url == "rediss://user:pw@redis.example:6380/2"


def test_a_bad_redis_url_is_never_shown(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(
            _get({"LINKHEALTH_SEEDS": str(tmp_path), "LINKHEALTH_REDIS_URL": "http://:pw1@h/0"})
        )
    assert "LINKHEALTH_REDIS_URL" in str(info.value)
    assert "pw1" not in str(info.value)


def test_rules_with_an_unknown_verdict_or_key(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[statuses]\n"999" = "gone"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"LINKHEALTH_RULES.*'gone' is not a verdict"):
        load_config(_get({"LINKHEALTH_SEEDS": str(tmp_path), "LINKHEALTH_RULES": str(rules)}))
    rules.write_text('[[platform]]\nname = "wechat"\nremoval_marker = ["typo"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key.*removal_marker"):
        load_config(_get({"LINKHEALTH_SEEDS": str(tmp_path), "LINKHEALTH_RULES": str(rules)}))
    rules.write_text("[params\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_get({"LINKHEALTH_SEEDS": str(tmp_path), "LINKHEALTH_RULES": str(rules)}))


def test_a_user_rules_file_is_merged_over_the_built_in_one(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[statuses]\n"402" = "blocked"\n', encoding="utf-8")
    config = load_config(_get({"LINKHEALTH_SEEDS": str(tmp_path), "LINKHEALTH_RULES": str(rules)}))
    assert config.rules.statuses[402] == "blocked"
    assert config.rules.statuses[999] == "blocked"  # the built-in entries stay
    assert config.rules.platform_for("mp.weixin.qq.com").name == "wechat"


def test_bad_ignore_file(tmp_path):
    ignore = tmp_path / "ignore.toml"
    ignore.write_text('[[ignore]]\npattern = "x"\nregex = "y"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"LINKHEALTH_IGNORE_FILE.*exactly one of"):
        load_config(
            _get({"LINKHEALTH_SEEDS": str(tmp_path), "LINKHEALTH_IGNORE_FILE": str(ignore)})
        )


#: a password in a Redis URL: never echoed
SECRET = "s3cret-pw"


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"DOWNLOAD_TIMEOUT": "-5"}, "DOWNLOAD_TIMEOUT"),
        ({"LINKHEALTH_RULES": "RULES"}, "verdict"),
        (
            {"LINKHEALTH_ARCHIVE_ENABLED": "true", "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE": "0"},
            "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE: must be greater than 0",
        ),
        (
            {"LINKHEALTH_REDIS_URL": "redis://127.0.0.1:1/0", "LINKHEALTH_REDIS_LEASE": "soon"},
            "LINKHEALTH_REDIS_LEASE: expected a number",
        ),
        (
            {"LINKHEALTH_REDIS_URL": f"http://:{SECRET}@127.0.0.1:1/0"},
            "LINKHEALTH_REDIS_URL: not a Redis URL",
        ),
    ],
)
def test_the_crawl_stops_before_any_request(tmp_path, settings, named):
    rules = tmp_path / "rules.toml"
    rules.write_text('[statuses]\n"999" = "gone"\n', encoding="utf-8")
    settings = {k: (str(rules) if v == "RULES" else v) for k, v in settings.items()}
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text("<http://example.test/>\n", encoding="utf-8")
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        result = run_crawl(seeds, tmp_path, env=web.env(), settings=settings)
        assert web.requests() == []
    assert result.returncode == 2
    assert named in result.stderr
    assert "configuration error" in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert not result.state.exists()


@pytest.mark.e2e
def test_missing_seeds_path(tmp_path):
    result = run_crawl(tmp_path / "nope", tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_the_registry_declares_every_setting_once_with_a_working_default():
    # once: read at the declarations themselves (SETTINGS, a dict by name, keeps only the last
    # of two declarations of one name)
    declared = Counter(setting.name for setting in registry._SETTINGS)
    assert [name for name, n in declared.items() if n > 1] == []
    assert list(SETTINGS) == list(declared)
    # each default passes its own check; the fix styles are the ones `linkhealth fix` knows
    for name, setting in SETTINGS.items():
        assert name.startswith("LINKHEALTH_")
        expected = setting.default
        if isinstance(expected, str) and expected:
            # a word default is read by its kind (raises if the default fails its own check):
            # LINKHEALTH_PROCESSES's "auto" is None, decided when the links are known
            expected = setting.kind(name, expected)
        assert value({}.get, name) == expected, name
    for style in STYLES:
        assert SETTINGS["LINKHEALTH_ARCHIVE_FIX_STYLE"].kind("x", style) == style


def test_a_secret_setting_is_never_echoed(tmp_path):
    url = "redis://user:S3CRETPASSWORD@host:port-not-a-number/0"
    with pytest.raises(ConfigError) as info:
        load_config(_get({"LINKHEALTH_SEEDS": str(tmp_path), "LINKHEALTH_REDIS_URL": url}))
    assert "LINKHEALTH_REDIS_URL" in str(info.value)
    assert "S3CRETPASSWORD" not in str(info.value)


def test_an_empty_text_setting_is_a_value_an_empty_number_its_default(tmp_path):
    config = load_config(
        _get(
            {
                "LINKHEALTH_SEEDS": str(tmp_path),
                "LINKHEALTH_CANARY_URLS": "",
                "LINKHEALTH_CONFIRM_CHECKS": "",
            }
        )
    )
    assert config.network.canaries == ()
    assert config.confirm.checks == SETTINGS["LINKHEALTH_CONFIRM_CHECKS"].default
