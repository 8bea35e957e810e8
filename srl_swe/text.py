"""Text helpers shared by every layer."""

from __future__ import annotations


def truncate_middle(text: str, budget: int) -> str:
    """Keep the head and tail of a long text with a marker saying how much was cut."""
    if len(text) <= budget:
        return text
    half = budget // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters omitted ...]\n{text[-half:]}"
