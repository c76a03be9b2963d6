"""TRL's own data utilities as the checker of exports, with a chat template built in memory."""

from __future__ import annotations

from functools import cache
from typing import Any

from support.services import require_or_skip


@cache
def tiny_chat_tokenizer():  # type: ignore[no-untyped-def]
    """A tokenizer built in memory with our own chat template: nothing is downloaded."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(WordLevel({"[UNK]": 0, "<|end|>": 1}, unk_token="[UNK]"))
    core.pre_tokenizer = Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="[UNK]", eos_token="<|end|>"
    )
    tokenizer.chat_template = (
        "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
    )
    return tokenizer


def render_conversational(example: dict[str, Any]) -> dict[str, Any]:
    """Assert TRL sees ``example`` as conversational and render it with the chat template,
    as its trainers do; the prompt must end where the assistant's turn begins."""
    try:
        from trl.data_utils import is_conversational, maybe_apply_chat_template
    except ImportError as exc:
        require_or_skip("trl", f"TRL is not installed (pip install -e '.[trl]'): {exc}")
    assert is_conversational(example)
    rendered = maybe_apply_chat_template(example, tiny_chat_tokenizer())
    assert rendered["prompt"].startswith("<|user|>\n")
    assert rendered["prompt"].endswith("<|assistant|>\n")
    return rendered
