from click.testing import CliRunner

from scimform.cli import main


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
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
