"""The local Hugging Face provider (``prefhub[local]``) on tiny model directories built here:
a word-level tokenizer trained on a few sentences and a one-layer GPT-2, nothing downloaded."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from support.api import jsonl, pairwise_spec
from support.services import require_or_skip

SENTENCES = [
    "the cat sat on the mat",
    "a dog ran in the park",
    "say hello to the little model",
    "question number one two three",
]
# Distinct from the plain "role: text" fallback, so a prompt's length tells which was used.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
INSTALL = "pip install 'prefhub[local]'"
SAY_HELLO = [{"role": "user", "content": [{"type": "text", "text": "Say hello."}]}]


def _build(directory: Path, *, always_stop: bool, chat_template: str | None) -> Path:
    """A model whose last norm outputs a constant, so its head alone picks the next token:
    EOS at once (``always_stop``) or never, with the other words near-uniform."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    special = ["<unk>", "<pad>", "<eos>"]
    words = Tokenizer(models.WordLevel(unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    words.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=special))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=words, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>"
    )
    tokenizer.chat_template = chat_template
    unk, pad, eos = tokenizer.convert_tokens_to_ids(special)
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=64,
        n_embd=16,
        n_layer=1,
        n_head=2,
        bos_token_id=eos,
        eos_token_id=eos,
        pad_token_id=pad,
        tie_word_embeddings=False,
    )
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        model.transformer.ln_f.weight.zero_()
        model.transformer.ln_f.bias.fill_(1.0)
        for token in (unk, pad, eos):
            model.lm_head.weight[token].fill_(-10.0)
        if always_stop:
            model.lm_head.weight[eos].fill_(10.0)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict[str, Path]:
    try:
        import tokenizers  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        require_or_skip("trl", f"transformers and torch are not installed ({exc}): {INSTALL}")
    root = tmp_path_factory.mktemp("local-hf")
    return {
        "talks": _build(root / "talks", always_stop=False, chat_template=CHAT_TEMPLATE),
        "stops": _build(root / "stops", always_stop=True, chat_template=None),
    }


def _complete(directory: Path | str, params: dict):
    from prefhub.generation.providers import generate
    from prefhub.models import ModelEndpoint, ProviderKind

    endpoint = ModelEndpoint(
        name="tiny", provider=ProviderKind.local_hf, base_url=str(directory), model="tiny"
    )
    endpoint.timeout_s = 60.0
    with httpx.Client() as client:
        return generate(client, endpoint, SAY_HELLO, params)


def test_local_model_replies_with_token_counts_and_stops_at_max_tokens(tiny):
    completion = _complete(tiny["talks"], {"temperature": 0.8, "max_tokens": 5, "seed": 7})
    text = completion.content[0]["text"]
    assert text and set(text.split()) <= set(" ".join(SENTENCES).split())
    assert completion.completion_tokens == 5 and completion.finish_reason == "length"
    # <|user|> Say hello . <|assistant|>: the tokenizer's chat template, 9 tokens.
    assert completion.prompt_tokens == 9
    assert completion.raw_model == str(tiny["talks"].resolve())
    assert completion.latency_ms >= 0
    again = _complete(tiny["talks"], {"temperature": 0.8, "max_tokens": 5, "seed": 7})
    assert again.content == completion.content  # the seed makes sampling repeatable


def test_eos_finishes_with_stop_and_no_chat_template_means_role_lines(tiny):
    completion = _complete(tiny["stops"], {"temperature": 0, "max_tokens": 8})
    assert completion.finish_reason == "stop" and completion.completion_tokens == 1
    assert completion.content == [{"type": "text", "text": ""}]
    # user : Say hello . assistant :
    assert completion.prompt_tokens == 7


def test_a_directory_that_is_not_a_model_is_a_permanent_error(tiny, tmp_path, monkeypatch):
    from prefhub.generation.exceptions import PermanentModelError

    with pytest.raises(PermanentModelError, match="no model directory at"):
        _complete(tmp_path / "missing", {})
    with pytest.raises(PermanentModelError, match=r"not a Hugging Face model directory"):
        _complete(tmp_path, {})
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setitem(sys.modules, "transformers", None)  # as on a base install
    with pytest.raises(PermanentModelError, match=re.escape(INSTALL)):
        _complete(tmp_path, {})


def _campaign(researcher, slug: str) -> None:
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug, 1)).status_code == 201
    rows = [{"id": f"p{i}", "prompt": f"Say hello to the model {i}."} for i in range(2)]
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("p.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text


def _generate(researcher, slug: str, model: str, directory: Path | str, samples: int) -> dict:
    """Register the model, create the job over HTTP, run it with the worker's own code."""
    from prefhub.generation import service
    from prefhub.generation.tasks import run_locally
    from prefhub.kit.db import unit_of_work

    body = {"name": model, "provider": "local_hf", "base_url": str(directory), "model": "tiny"}
    registered = researcher.post("/api/models", json=body | {"max_concurrency": 2})
    assert registered.status_code == 201, registered.text
    job = researcher.post(
        f"/api/campaigns/{slug}/generation-jobs",
        json={"models": [model], "samples": samples, "params": {"max_tokens": 6, "seed": 1}},
    ).json()
    with unit_of_work() as session:
        request_ids = service.queued_request_ids(session, job["id"])
    run_locally(request_ids, 2)
    return researcher.get(f"/api/generation-jobs/{job['id']}").json()


def test_generation_job_on_a_local_model_stores_every_candidate(tiny, as_user, unique, db):
    from prefhub.models import Campaign, Candidate, Item

    researcher = as_user("researcher")
    slug = f"local-{unique}"
    _campaign(researcher, slug)
    state = _generate(researcher, slug, f"tiny-{unique}", tiny["talks"], samples=2)
    assert state["status"] == "succeeded"
    assert state["progress"] == {"total": 4, "done": 4, "failed": 0, "cancelled": 0}
    with db() as session:
        candidates = session.scalars(
            select(Candidate).join(Item).join(Campaign).where(Campaign.slug == slug)
        ).all()
    assert len(candidates) == 4
    assert {c.model_name for c in candidates} == {f"tiny-{unique}"}
    assert {c.extra["sample_index"] for c in candidates} == {0, 1}
    for candidate in candidates:
        assert candidate.content[0]["text"]
        assert candidate.extra["completion_tokens"] == 6
        assert candidate.extra["prompt_tokens"] > 0
        assert candidate.extra["finish_reason"] == "length"
    items = researcher.get(f"/api/campaigns/{slug}/items").json()["items"]
    assert {i["status"] for i in items} == {"ready"}


def test_a_bad_model_directory_fails_the_job_with_the_reason(tiny, as_user, unique, tmp_path):
    researcher = as_user("researcher")
    slug = f"local-bad-{unique}"
    _campaign(researcher, slug)
    state = _generate(researcher, slug, f"gone-{unique}", tmp_path / "gone", samples=1)
    assert state["status"] == "failed"
    assert state["progress"] == {"total": 2, "done": 0, "failed": 2, "cancelled": 0}
    assert all(f"no model directory at {tmp_path / 'gone'}" in e for e in state["errors"])
    relative = {"name": f"rel-{unique}", "provider": "local_hf", "base_url": "models/x"}
    refused = researcher.post("/api/models", json=relative | {"model": "x"})
    assert refused.status_code == 422


def test_cli_registers_a_local_model_directory_and_tests_it(tiny, db, unique, monkeypatch):
    from typer.testing import CliRunner

    from prefhub.cli import app
    from prefhub.generation.registry import get_model_for

    runner = CliRunner()
    monkeypatch.chdir(tiny["talks"].parent)  # a relative directory is stored absolute
    name = f"cli-tiny-{unique}"
    added = runner.invoke(
        app, ["models", "add", name, "--provider", "local", "--base-url", "talks", "--model", "t"]
    )
    assert added.exit_code == 0, added.output
    with db() as session:
        assert get_model_for(session, None, name).base_url == str(tiny["talks"].resolve())
    tested = runner.invoke(app, ["models", "test", name])
    assert tested.exit_code == 0, tested.output
    assert re.search(r"ok: \d+ ms, replied '\w", tested.output), tested.output
