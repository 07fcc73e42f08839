from typing import Any

import pytest

from scimform.config.mapping import MappingProblem, compile_mapping, parse_bool
from scimform.config.schema import UserSpec

REQUIRED = {
    "userName": "{upn}",
    "givenName": "{givenName}",
    "familyName": "{surname}",
    "displayName": "{givenName} {surname}",
}


def apply(mapping: dict[str, str], record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    compiled, problems = compile_mapping(mapping)
    assert problems == []
    out, record_problems = compiled.apply(record)
    return out, [p.code for p in record_problems]


def codes(problems: list[MappingProblem]) -> list[str]:
    return [p.code for p in problems]


def test_fields_literals_and_joins_make_the_direct_form() -> None:
    mapping = {**REQUIRED, "title": "Engineer ({jobTitle})", "email": "{mail}"}
    record = {"upn": "ada@corp.example", "givenName": "Ada", "surname": "Lovelace"}
    record |= {"jobTitle": "Staff", "mail": "ada@corp.example", "ignored": "x"}
    out, problems = apply(mapping, record)
    assert problems == []
    assert out == {
        "userName": "ada@corp.example",
        "givenName": "Ada",
        "familyName": "Lovelace",
        "displayName": "Ada Lovelace",
        "title": "Engineer (Staff)",
        "email": "ada@corp.example",
    }
    assert UserSpec.model_validate(out).display_name == "Ada Lovelace"


def test_scim_paths_and_friendly_names_are_both_accepted() -> None:
    mapping = {
        "userName": "{u}",
        "name.givenName": "{g}",
        "name.familyName": "{f}",
        "displayName": "{g}",
        "emails[primary eq true].value": "{m}",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "{d}",
        "addresses[0].locality": "{city}",
        "address.postalCode": "{zip}",
    }
    record = {"u": "u1", "g": "G", "f": "F", "m": "m@x.example", "d": "Ops"}
    record |= {"city": "Oslo", "zip": "0150"}
    out, problems = apply(mapping, record)
    assert problems == []
    assert out["givenName"] == "G" and out["familyName"] == "F"
    assert out["email"] == "m@x.example" and out["department"] == "Ops"
    assert out["address"] == {"locality": "Oslo", "postalCode": "0150"}


def test_fallback_takes_the_first_non_empty_field() -> None:
    mapping = {**REQUIRED, "email": "{mail|otherMail|upn}"}
    base = {"upn": "u@x.example", "givenName": "A", "surname": "B"}
    assert apply(mapping, base | {"mail": "m@x.example"})[0]["email"] == "m@x.example"
    assert apply(mapping, base | {"mail": "", "otherMail": "o@x"})[0]["email"] == "o@x"
    assert apply(mapping, base | {"mail": None})[0]["email"] == "u@x.example"


def test_dotted_paths_walk_nested_objects_and_list_positions() -> None:
    mapping = {
        "userName": "{profile.login}",
        "givenName": "{profile.firstName}",
        "familyName": "{profile.lastName}",
        "displayName": "{profile.displayName|profile.firstName}",
        "phone": "{phones.0.value}",
    }
    record = {
        "profile": {"login": "l@x", "firstName": "Lin", "lastName": "Ng"},
        "phones": [{"value": "+1 555 0100", "type": "work"}, {"value": "+1 555 0199"}],
    }
    out, problems = apply(mapping, record)
    assert problems == []
    assert out["userName"] == "l@x" and out["displayName"] == "Lin"
    assert out["phone"] == "+1 555 0100"


def test_a_field_whose_name_holds_dots_is_found_whole() -> None:
    mapping = {**REQUIRED, "costCenter": "{employeeOrgData.costCenter}"}
    record = {"upn": "u", "givenName": "A", "surname": "B", "employeeOrgData.costCenter": "CC1"}
    assert apply(mapping, record)[0]["costCenter"] == "CC1"


def test_empty_results_are_omitted_so_required_rules_can_fire() -> None:
    mapping = {**REQUIRED, "title": "{jobTitle}", "address.locality": "{city}"}
    out, problems = apply(mapping, {"upn": "u", "givenName": "  ", "jobTitle": ""})
    assert problems == []
    assert out == {"userName": "u"}


def test_a_template_keeps_what_it_has_when_one_part_is_empty() -> None:
    out, _ = apply(REQUIRED, {"upn": "u", "givenName": "Ada"})
    assert out["displayName"] == "Ada"


def test_literal_template_and_escaped_braces() -> None:
    mapping = {**REQUIRED, "userType": "Employee", "nickName": "{{{givenName}}}"}
    out, _ = apply(mapping, {"upn": "u", "givenName": "A", "surname": "B"})
    assert out["userType"] == "Employee"
    assert out["nickName"] == "{A}"


def test_numbers_and_dates_become_text() -> None:
    import datetime

    mapping = {**REQUIRED, "employeeNumber": "{id}", "title": "since {hired}"}
    record = {"upn": "u", "givenName": "A", "surname": "B", "id": 1234}
    record["hired"] = datetime.date(2024, 5, 1)
    out, _ = apply(mapping, record)
    assert out["employeeNumber"] == "1234"
    assert out["title"] == "since 2024-05-01"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("True", True),
        ("false", False),
        (True, True),
        (False, False),
        ("ACTIVE", True),
        ("SUSPENDED", False),
        ("DEPROVISIONED", False),
        ("yes", True),
        ("No", False),
        ("1", True),
        (0, False),
        ("enabled", True),
        ("disabled", False),
    ],
)
def test_active_accepts_the_documented_spellings(value: object, expected: bool) -> None:
    out, problems = apply({**REQUIRED, "active": "{state}"}, {"upn": "u", "state": value})
    assert problems == []
    assert out["active"] is expected


def test_active_with_another_value_is_a_problem() -> None:
    compiled, _ = compile_mapping({**REQUIRED, "active": "{state}"})
    out, problems = compiled.apply({"upn": "u", "state": "maybe"})
    assert "active" not in out
    assert codes(problems) == ["mapping.invalid-active"]
    assert "'maybe'" in problems[0].message and problems[0].key == "active"


def test_negation_turns_suspended_into_active() -> None:
    mapping = {**REQUIRED, "active": "{!suspended}"}
    assert apply(mapping, {"upn": "u", "suspended": True})[0]["active"] is False
    assert apply(mapping, {"upn": "u", "suspended": False})[0]["active"] is True
    compiled, _ = compile_mapping(mapping)
    _, problems = compiled.apply({"upn": "u", "suspended": "sometimes"})
    assert codes(problems) == ["mapping.not-a-boolean"]


def test_parse_bool_refuses_unknown_words() -> None:
    assert parse_bool(" Yes ") is True
    assert parse_bool("nope") is None


def test_a_list_value_is_multi_valued() -> None:
    compiled, _ = compile_mapping({**REQUIRED, "email": "{emails}"})
    out, problems = compiled.apply({"upn": "u", "emails": ["a@x", "b@x"]})
    assert "email" not in out
    assert codes(problems) == ["mapping.multi-valued"]
    assert "AWS accepts one value" in problems[0].message
    assert problems[0].key == "email"
    assert "{emails.0}" in (problems[0].hint or "")


def test_an_empty_list_is_just_empty() -> None:
    compiled, _ = compile_mapping({**REQUIRED, "email": "{emails}"})
    out, problems = compiled.apply({"upn": "u", "emails": []})
    assert problems == [] and "email" not in out


def test_an_object_value_is_a_problem_that_names_its_fields() -> None:
    compiled, _ = compile_mapping({**REQUIRED, "givenName": "{name}"})
    _, problems = compiled.apply({"upn": "u", "name": {"givenName": "A", "familyName": "B"}})
    assert codes(problems) == ["mapping.not-a-value"]
    assert "givenName" in (problems[0].hint or "")


def test_groups_pass_through_unchanged() -> None:
    groups = ["b", "a"]
    out, _ = apply(REQUIRED, {"upn": "u", "groups": groups})
    assert out["groups"] is groups


def test_unknown_attribute_suggests_the_closest() -> None:
    _, problems = compile_mapping({**REQUIRED, "departmnet": "{d}"})
    assert codes(problems) == ["mapping.unknown-attribute"]
    assert problems[0].key == "departmnet"
    assert problems[0].hint == "did you mean 'department'?"


def test_mapping_groups_is_explained() -> None:
    _, problems = compile_mapping({**REQUIRED, "groups": "{memberOf}"})
    assert codes(problems) == ["mapping.unknown-attribute"]
    assert "used as it is" in (problems[0].hint or "")


def test_two_keys_for_one_attribute_are_a_problem() -> None:
    _, problems = compile_mapping({**REQUIRED, "name.givenName": "{g}"})
    assert codes(problems) == ["mapping.duplicate-attribute"]
    assert "'givenName'" in problems[0].message


def test_a_mapping_without_a_required_attribute_says_which() -> None:
    partial = {k: v for k, v in REQUIRED.items() if k != "familyName"}
    _, problems = compile_mapping(partial)
    assert codes(problems) == ["mapping.missing-required"]
    assert problems[0].key == "familyName"


@pytest.mark.parametrize(
    ("template", "code"),
    [
        ("{upn", "mapping.unbalanced-brace"),
        ("upn}", "mapping.unbalanced-brace"),
        ("{a{b}}", "mapping.unbalanced-brace"),
        ("{}", "mapping.empty-placeholder"),
        ("{ }", "mapping.empty-placeholder"),
        ("{mail|}", "mapping.empty-placeholder"),
        ("{profile..login}", "mapping.empty-placeholder"),
        ("{!}", "mapping.empty-placeholder"),
    ],
)
def test_malformed_templates_are_problems(template: str, code: str) -> None:
    compiled, problems = compile_mapping({**REQUIRED, "title": template})
    assert codes(problems) == [code]
    assert problems[0].key == "title" and problems[0].hint
    assert "title" not in compiled.keys


def test_compiled_keys_keep_the_written_order() -> None:
    compiled, _ = compile_mapping({**REQUIRED, "email": "{mail}"})
    assert compiled.keys == ("userName", "givenName", "familyName", "displayName", "email")
