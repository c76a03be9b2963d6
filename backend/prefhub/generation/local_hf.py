"""A local Hugging Face model directory run in the worker process with transformers (the
optional ``prefhub[local]`` extra). ``base_url`` is the directory; each process loads it once.

transformers and torch are imported on first use, so the base install never needs them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from prefhub.generation.exceptions import PermanentModelError
from prefhub.generation.providers import Completion, chat_messages
from prefhub.kit.json_input import storable
from prefhub.models import ModelEndpoint

INSTALL_HINT = "pip install 'prefhub[local]'"
DEFAULT_MAX_TOKENS = 256


@dataclass
class LoadedModel:
    tokenizer: Any
    model: Any
    eos_ids: frozenset[int]
    # One generation at a time per model: concurrent ones only fight over the same cores.
    lock: threading.Lock


_loaded: dict[str, LoadedModel] = {}
_load_lock = threading.Lock()


def local_hf(
    client: httpx.Client,
    endpoint: ModelEndpoint,
    context: list[dict[str, Any]],
    params: dict[str, Any],
) -> Completion:
    loaded = load(endpoint.base_url)
    sampling = _sampling(params)
    with loaded.lock:
        started = time.perf_counter()
        inputs = _encode(loaded.tokenizer, chat_messages(context))
        prompt_tokens = inputs["input_ids"].shape[1]
        seed = sampling.pop("seed", None)
        try:
            if seed is not None:
                # torch's generator is per process: repeatable while one model generates at once.
                import torch

                torch.manual_seed(seed)
            output = loaded.model.generate(
                **inputs.to(loaded.model.device),
                **sampling,
                max_time=endpoint.timeout_s,
                pad_token_id=_pad_id(loaded),
            )
        except (RuntimeError, ValueError, IndexError) as exc:
            raise PermanentModelError(f"generation failed: {exc}") from exc
        new_tokens = output[0][prompt_tokens:].tolist()
        text = loaded.tokenizer.decode(new_tokens, skip_special_tokens=True)
        latency = int((time.perf_counter() - started) * 1000)
    stopped = any(token in loaded.eos_ids for token in new_tokens)
    return Completion(
        content=[{"type": "text", "text": storable(text.strip())}],
        latency_ms=latency,
        prompt_tokens=prompt_tokens,
        completion_tokens=len(new_tokens),
        finish_reason="stop" if stopped else "length",
        raw_model=loaded.model.config.name_or_path,
    )


def load(directory: str) -> LoadedModel:
    """The model in ``directory``, loaded once per process whatever the number of threads."""
    path = Path(directory).expanduser().resolve()
    key = str(path)
    if (loaded := _loaded.get(key)) is not None:
        return loaded
    with _load_lock:
        if (loaded := _loaded.get(key)) is None:
            loaded = _loaded[key] = _load(path)
    return loaded


def _load(path: Path) -> LoadedModel:
    if not path.is_dir():
        raise PermanentModelError(f"no model directory at {path} (local_hf takes a directory)")
    if not (path / "config.json").is_file():
        raise PermanentModelError(f"{path} is not a Hugging Face model directory (no config.json)")
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise PermanentModelError(
            f"local_hf models need transformers and torch in the worker ({INSTALL_HINT}): {exc}"
        ) from exc
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise PermanentModelError(f"could not load the model at {path}: {exc}") from exc
    if torch.cuda.is_available():
        model = model.to("cuda")
    model.eval()
    eos = model.generation_config.eos_token_id
    if eos is None:
        eos = tokenizer.eos_token_id
    eos_ids = frozenset([eos] if isinstance(eos, int) else eos or [])
    return LoadedModel(tokenizer, model, eos_ids, threading.Lock())


def _encode(tokenizer: Any, messages: list[dict[str, str]]) -> Any:
    if tokenizer.chat_template:
        prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        # The template writes its own special tokens (BOS and the like).
        return tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
    prompt = "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant:"
    return tokenizer(prompt, return_tensors="pt")


def _sampling(params: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's sampling parameters as ``generate`` arguments; others are ignored."""
    try:
        # OpenAI's default temperature is 1: sample unless told 0.
        temperature = float(params.get("temperature", 1.0))
        sampling: dict[str, Any] = {
            "max_new_tokens": int(params.get("max_tokens", DEFAULT_MAX_TOKENS)),
            "do_sample": temperature > 0,
        }
        if temperature > 0:
            sampling["temperature"] = temperature
            if "top_p" in params:
                sampling["top_p"] = float(params["top_p"])
        if params.get("seed") is not None:
            sampling["seed"] = int(params["seed"])
    except (TypeError, ValueError) as exc:
        raise PermanentModelError(f"bad sampling parameter: {exc}") from exc
    if sampling["max_new_tokens"] < 1:
        raise PermanentModelError("max_tokens must be at least 1")
    return sampling


def _pad_id(loaded: LoadedModel) -> int | None:
    pad: int | None = loaded.tokenizer.pad_token_id
    if pad is not None:
        return pad
    return min(loaded.eos_ids) if loaded.eos_ids else None
