"""The README shows the lifecycle table exactly as the code defines it."""

from pathlib import Path

from liuyan.messages.docs import BEGIN, END, lifecycle_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def embed(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + lifecycle_markdown() + tail


def test_the_readme_lifecycle_table_is_generated_from_the_transition_table() -> None:
    text = README.read_text(encoding="utf-8")
    assert text == embed(text), "run: python -m tests.test_docs  (rewrites the README table)"


if __name__ == "__main__":
    README.write_text(embed(README.read_text(encoding="utf-8")), encoding="utf-8")


def test_the_models_and_migrations_agree(db: None) -> None:
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
