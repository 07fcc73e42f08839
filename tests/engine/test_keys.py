from scimform.engine.keys import Key, Kind, NameIndex


def test_keys_of_one_kind_are_equal_whatever_the_case_and_keep_their_spelling() -> None:
    assert Key.user("Alice@Corp.example") == Key.user("alice@corp.example")
    assert hash(Key.user("ALICE")) == hash(Key.user("alice"))
    assert Key.user("admins") != Key.group("admins")
    assert Key(Kind.GROUP, "Admins").name == "Admins" and str(Key.group("x")) == 'group "x"'
    assert Key.user("straße").folded == "strasse"


def test_a_name_index_finds_the_exact_name_first_then_ignoring_case() -> None:
    index = NameIndex([("Admins", 1), ("admins", 2), ("ops", 3)])
    assert index.get("admins") == 2 and index.get("Admins") == 1
    assert index.get("ADMINS") == 1  # the first given for the folded name
    assert index.get("OPS") == 3 and index.get("nobody") is None
    assert "Ops" in index and "nobody" not in index
    assert dict(index.by_exact_name) == {"Admins": 1, "admins": 2, "ops": 3}
