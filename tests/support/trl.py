"""TRL as the checker of exports: its data utilities, and its trainers run for a couple of steps
on tiny models built in memory, with a word-level tokenizer and chat template of our own;
nothing is downloaded."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

from support.services import require_or_skip

# The tokenizer's fixed entries: padding, unknown words, end of turn (also EOS), and the pieces
# of the chat template's role markers as the Whitespace pre-tokenizer cuts them.
PAD, UNK, EOS = "[PAD]", "[UNK]", "<|end|>"
TEMPLATE_WORDS = ("<|", "|>", "system", "user", "assistant", "User", "Assistant", ":")
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
# The models: two layers, 16 wide; positions enough for the longest prompt of a tree export.
HIDDEN, LAYERS, HEADS, POSITIONS = 16, 2, 2, 1024
# What each trainer is given: a causal LM (and its reference copy) or a scoring head.
CAUSAL_ARCHITECTURES = {"DPOTrainer": "llama", "KTOTrainer": "qwen2"}


def require_trl() -> None:
    """Skip (or fail where CI requires TRL) unless TRL, torch, transformers and datasets import."""
    try:
        import datasets  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
        import trl  # noqa: F401
    except ImportError as exc:
        require_or_skip("trl", f"TRL is not installed (pip install -e '.[trl]'): {exc}")


@cache
def tiny_chat_tokenizer(texts: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """A word-level tokenizer built in memory with our own chat template: the words of
    ``texts`` (split at whitespace and punctuation) are its vocabulary, anything else is
    ``[UNK]``; ``[PAD]`` pads and ``<|end|>`` ends a turn and a sequence. Nothing is
    downloaded."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace
    from transformers import PreTrainedTokenizerFast

    split = Whitespace()
    vocabulary = {PAD: 0, UNK: 1, EOS: 2}
    for text in (*TEMPLATE_WORDS, *texts):
        for piece, _ in split.pre_tokenize_str(text):
            vocabulary.setdefault(piece, len(vocabulary))
    core = Tokenizer(WordLevel(vocabulary, unk_token=UNK))
    core.pre_tokenizer = split
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token=UNK, eos_token=EOS, pad_token=PAD
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def render_conversational(example: dict[str, Any]) -> dict[str, Any]:
    """Assert TRL sees ``example`` as conversational and render it with the chat template,
    as its trainers do; the prompt must end where the assistant's turn begins."""
    require_trl()
    from trl.data_utils import is_conversational, maybe_apply_chat_template

    assert is_conversational(example)
    rendered = maybe_apply_chat_template(example, tiny_chat_tokenizer())
    assert rendered["prompt"].startswith("<|user|>\n")
    assert rendered["prompt"].endswith("<|assistant|>\n")
    return rendered


def tiny_causal_lm(architecture: str, vocab_size: int):  # type: ignore[no-untyped-def]
    """A 2-layer causal LM of ``architecture`` (llama, qwen2 or gpt2) with random weights."""
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_config(_config(architecture, vocab_size))


def tiny_reward_model(vocab_size: int, architecture: str = "gpt2"):  # type: ignore[no-untyped-def]
    """A 2-layer sequence classifier with one output, the reward, as RewardTrainer wants."""
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_config(
        _config(architecture, vocab_size, num_labels=1)
    )


def _config(architecture: str, vocab_size: int, **extra: Any):  # type: ignore[no-untyped-def]
    from transformers import GPT2Config, LlamaConfig, Qwen2Config

    if architecture == "gpt2":
        return GPT2Config(
            vocab_size=vocab_size,
            n_embd=HIDDEN,
            n_layer=LAYERS,
            n_head=HEADS,
            n_positions=POSITIONS,
            **extra,
        )
    config = {"llama": LlamaConfig, "qwen2": Qwen2Config}[architecture]
    return config(
        vocab_size=vocab_size,
        hidden_size=HIDDEN,
        intermediate_size=2 * HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=HEADS,
        max_position_embeddings=POSITIONS,
        **extra,
    )


def trainer_for(
    name: str,
    dataset: Any,
    tokenizer: Any,
    output_dir: Path,
    *,
    steps: int = 2,
    max_length: int = 512,
) -> Any:
    """TRL's trainer ``name`` (DPOTrainer, KTOTrainer or RewardTrainer) on ``dataset``, with
    fresh tiny models, on the CPU, logging every step to nowhere but its own log history.
    Building it runs the trainer's own data preparation (prompt extraction, EOS, chat
    template, tokenization, length filter)."""
    from trl.trainer.dpo_config import DPOConfig
    from trl.trainer.dpo_trainer import DPOTrainer
    from trl.trainer.kto_config import KTOConfig
    from trl.trainer.kto_trainer import KTOTrainer
    from trl.trainer.reward_config import RewardConfig
    from trl.trainer.reward_trainer import RewardTrainer

    settings: dict[str, Any] = {
        "output_dir": str(output_dir),
        "report_to": "none",
        "use_cpu": True,
        "max_steps": steps,
        "per_device_train_batch_size": 2,
        "max_length": max_length,
        "logging_steps": 1,
        "save_strategy": "no",
        "disable_tqdm": True,
        "seed": 0,
    }
    if name == "RewardTrainer":
        return RewardTrainer(
            model=tiny_reward_model(len(tokenizer)),
            args=RewardConfig(**settings),
            train_dataset=dataset,
            processing_class=tokenizer,
        )
    architecture = CAUSAL_ARCHITECTURES[name]
    trainer, config = {
        "DPOTrainer": (DPOTrainer, DPOConfig),
        "KTOTrainer": (KTOTrainer, KTOConfig),
    }[name]
    return trainer(
        model=tiny_causal_lm(architecture, len(tokenizer)),
        # a reference model of our own: left out, TRL would load one by the model's name
        ref_model=tiny_causal_lm(architecture, len(tokenizer)),
        args=config(**settings),
        train_dataset=dataset,
        processing_class=tokenizer,
    )


def train_briefly(trainer: Any, steps: int = 2) -> list[float]:
    """Train for ``steps`` optimizer steps; the loss of each, all finite."""
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert trainer.state.global_step == steps, trainer.state.log_history
    assert len(losses) == steps and all(math.isfinite(loss) for loss in losses), losses
    return losses


def first_batch_loss(trainer: Any) -> float:
    """The trainer's own collator on its first batch, then its loss on it (no optimizer step):
    every column the trainer reads goes through TRL's code."""
    import torch

    batch = next(iter(trainer.get_train_dataloader()))
    trainer.model.train()
    with torch.no_grad():
        loss = float(trainer.compute_loss(trainer.model, batch))
    assert math.isfinite(loss), loss
    return loss
