"""A rules file that cannot be used stops the run with a message naming the file, the section
and the key (crawler/base/rules/reading.py reads each table, build_rules the whole)."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.base.rules import RulesError, build_rules

CASES = [
    ({"nope": {}}, "a.toml: unknown section(s) nope"),
    ({"params": {"tracker": []}}, "a.toml: [params] has unknown key(s) tracker"),
    ({"statuses": {"99": "dead"}}, "a.toml: [statuses] '99' is not an HTTP status code"),
    (
        {"statuses": {"410": "gone"}},
        "a.toml: [statuses] 410 = 'gone' is not a verdict (one of alive, dead, blocked, error)",
    ),
    ({"platform": {"name": "x"}}, "a.toml: [[platform]] must be an array of tables"),
    ({"platform": [{"name": "x"}, 5]}, "a.toml: platform 1: expected a table"),
    ({"platform": [{"name": "x", "hots": []}]}, "a.toml: platform x: unknown key(s) hots"),
    ({"generic": {"hots": []}}, "a.toml: [generic]: unknown key(s) hots"),
    ({"page": "x"}, "a.toml: [[page]] must be an array of tables"),
    ({"page": [{"nam": "x"}]}, "a.toml: page 0: unknown key(s) nam"),
    ({"waf": ["x"]}, "a.toml: [waf] must be a table"),
    ({"drift": {"suffixes": []}}, "a.toml: [drift] has unknown key(s) suffixes"),
]


@pytest.mark.parametrize(("data", "message"), CASES)
def test_a_bad_rules_table_is_refused_naming_the_file_the_section_and_the_key(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(RulesError) as caught:
        build_rules(data, ["a.toml"])
    assert str(caught.value) == message


def test_arrays_of_tables_are_read_in_order_and_named() -> None:
    rules = build_rules({"platform": [{"name": "one"}, {"hosts": ["two.test"]}]}, ["a.toml"])
    assert [p.name for p in rules.platforms] == ["one", "a.toml: platform 1"]
    assert rules.platform_for("www.two.test") is rules.platforms[1]
    assert rules.generic.name == "generic"
