from scimform_cli import cli


def test_help_lists_the_commands() -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for name in (
        "validate",
        "fmt",
        "schema",
        "plan",
        "apply",
        "import",
        "tokens",
        "history",
        "ci",
        "serve",
        "server",
    ):
        assert name in result.output
