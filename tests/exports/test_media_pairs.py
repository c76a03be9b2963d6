"""Media candidates reach their trainers (issue 15, point 3).

Text-to-image preferences export as ``image_pairs`` (Pick-a-Pic v2 columns) and the diffusers
Diffusion-DPO example's data loading (``train_diffusion_dpo.py``: bytes of ``jpg_0`` /
``jpg_1``, RGB, transform, concatenated on channels with the preferred image first by
``label_0``, the caption tokenized) makes its first batch of the loaded export; ``audio_pairs``
does the same for speech. Images in the *prompt* keep TRL's vision form, which TRL's own
placeholder check accepts; media *candidates* in a TRL format are refused, over REST and CLI,
naming the format to use.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from support.api import judge_next, pairwise_spec
from support.media import wav
from support.services import require_or_skip

GOOD, BAD = (220, 40, 40), (40, 90, 220)  # red wins, blue loses
GOOD_TONE, BAD_TONE = (0.5, 220), (0.3, 1200)  # (seconds, Hz) at 8 kHz
RATE = 8000


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # torch comes with the trl extra
        require_or_skip("trl", f"torch is not installed (pip install -e '.[trl]'): {exc}")
    return torch


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _zip(rows: list[dict[str, Any]], files: dict[str, bytes]) -> bytes:
    """The import a researcher uploads: items.jsonl and the files its parts name."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("items.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _candidate(kind: str, path: str, quality: str) -> dict[str, Any]:
    return {"content": [{"type": kind, "path": path, "alt": quality}], "model": f"{quality}-model"}


PROMPTS = {
    "image": ["Draw a red square.", "Draw a red square, larger.", "Draw anything (tie)."],
    "audio": ["Say 'hello' calmly.", "Hum a low note.", "Make any sound (tie)."],
}


def _media_campaign(researcher: Any, slug: str, kind: str) -> None:
    """Three items whose two candidates are a good and a bad image (or clip), imported as a
    zip over REST, the real path."""
    if kind == "image":
        files = {"good.png": _png(GOOD), "bad.png": _png(BAD, (24, 36))}
        paths = {"good": "good.png", "bad": "bad.png"}
    else:
        files = {
            f"{name}.wav": wav(seconds, rate=RATE, frequency=hz)
            for name, (seconds, hz) in (("good", GOOD_TONE), ("bad", BAD_TONE))
        }
        paths = {"good": "good.wav", "bad": "bad.wav"}
    rows = [
        {
            "id": f"{kind}-{n}",
            "prompt": prompt,
            "candidates": [_candidate(kind, paths[q], q) for q in ("good", "bad")],
        }
        for n, prompt in enumerate(PROMPTS[kind])
    ]
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, redundancy=1))
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.zip", _zip(rows, files), "application/zip")},
    )
    assert imported.status_code == 201, imported.text


def _judge_all(annotator: Any, slug: str) -> None:
    """The good candidate wins, except on the "(tie)" item: a tie."""

    def answer(task: dict[str, Any]) -> dict[str, Any]:
        if "(tie)" in task["context"][0]["content"][0]["text"]:
            return {"preference": {"choice": "tie"}}
        (good,) = [c["label"] for c in task["candidates"] if c["content"][0]["alt"] == "good"]
        return {"preference": {"choice": good}}

    for _ in PROMPTS["image"]:
        judge_next(annotator, slug, answer)


@pytest.fixture
def judged_media(as_user, unique):  # type: ignore[no-untyped-def]
    """(researcher, slug) of a judged campaign of each kind."""

    def make(kind: str) -> tuple[Any, str]:
        researcher = as_user("researcher")
        slug = f"{kind}-pairs-{unique}"
        _media_campaign(researcher, slug, kind)
        _judge_all(as_user(), slug)
        return researcher, slug

    return make


def _export(client: Any, slug: str, **options: Any) -> Path:
    from prefhub.exports.tasks import execute_export

    job = client.post(f"/api/campaigns/{slug}/exports", json=options)
    assert job.status_code == 202, job.text
    done = execute_export(job.json()["id"])
    assert done is not None and done.status.value == "succeeded", done and done.error_message
    assert done.folder is not None
    return Path(done.folder)


def _rows(folder: Path, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / name).read_text().splitlines()]


def _with_bytes(dataset: Any, folder: Path, columns: tuple[str, str]) -> Any:
    """The README's one line: the files' bytes in place of their paths (what Pick-a-Pic's
    columns hold and the diffusers example opens)."""
    return dataset.map(lambda row: {c: (folder / row[c]).read_bytes() for c in columns})


def _diffusers_first_batch(dataset: Any, resolution: int = 16) -> dict[str, Any]:
    """The first batch of train_diffusion_dpo.py's data loading, without torchvision: each
    image opened from its bytes as RGB, resized and made a tensor in [-1, 1], the pair
    concatenated on channels with the preferred image first (swapped when label_0 is 0), the
    captions tokenized to a fixed length; collated by stacking."""
    torch = _torch()
    import numpy as np

    from support.trl import tiny_chat_tokenizer

    tokenizer = copy.deepcopy(tiny_chat_tokenizer())
    tokenizer.pad_token = tokenizer.eos_token

    def transform(image: Image.Image) -> Any:
        resized = image.resize((resolution, resolution), Image.Resampling.BILINEAR)
        tensor = torch.from_numpy(np.asarray(resized, dtype=np.float32) / 255.0)
        return (tensor.permute(2, 0, 1) - 0.5) / 0.5  # ToTensor, then Normalize([0.5], [0.5])

    def preprocess_train(examples: dict[str, list[Any]]) -> dict[str, list[Any]]:
        pixels = []
        for column in ("jpg_0", "jpg_1"):
            images = [Image.open(io.BytesIO(data)).convert("RGB") for data in examples[column]]
            pixels.append([transform(image) for image in images])
        combined = []
        for pair, label_0 in zip(zip(*pixels, strict=True), examples["label_0"], strict=True):
            if label_0 == 0:
                pair = pair[::-1]
            combined.append(torch.cat(pair, dim=0))
        examples["pixel_values"] = combined
        examples["input_ids"] = tokenizer(
            examples["caption"],
            truncation=True,
            padding="max_length",
            max_length=12,
            return_tensors="pt",
        ).input_ids
        return examples

    def collate_fn(examples: list[dict[str, Any]]) -> dict[str, Any]:
        pixel_values = torch.stack([example["pixel_values"] for example in examples])
        pixel_values = pixel_values.to(memory_format=torch.contiguous_format).float()
        return {
            "pixel_values": pixel_values,
            "input_ids": torch.stack([example["input_ids"] for example in examples]),
        }

    loader = torch.utils.data.DataLoader(
        dataset.with_transform(preprocess_train), batch_size=8, collate_fn=collate_fn
    )
    return next(iter(loader))


def _check_diffusers_batch(batch: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Six channels per row, 16 x 16; the red (preferred) image's channels come first."""
    pixel_values = batch["pixel_values"]
    assert tuple(pixel_values.shape) == (len(rows), 6, 16, 16)
    assert tuple(batch["input_ids"].shape) == (len(rows), 12)
    for pixels, row in zip(pixel_values, rows, strict=True):
        first = [round(float(pixels[c].mean()), 2) for c in range(3)]
        if row["label_0"] == 0.5:
            continue  # the example keeps a tie's order (image 0 first): see drop_ties
        red = [round(v / 255 * 2 - 1, 2) for v in GOOD]
        assert first == red, row["id"]


def test_image_pairs_feed_the_diffusers_dpo_loader_from_jsonl_and_parquet(
    judged_media, db, tmp_path
):
    import datasets
    import pyarrow.parquet as pq

    researcher, slug = judged_media("image")
    folder = _export(researcher, slug, format="image_pairs")
    rows = _rows(folder, "image_pairs.jsonl")
    assert len(rows) == 3
    by_item = {row["metadata"]["item_id"]: row for row in rows}
    for item, row in by_item.items():
        assert set(row) == {
            "id",
            "campaign",
            "caption",
            "jpg_0",
            "jpg_1",
            "label_0",
            "label_1",
            "metadata",
        }
        assert row["caption"] == PROMPTS["image"][int(item.rsplit("-", 1)[1])]
        assert row["label_0"] + row["label_1"] == 1.0
        metadata = row["metadata"]
        # jpg_0 is the candidate shown first; the label says whether it won.
        assert metadata["candidate_labels"] == ["A", "B"]
        assert metadata["shown_order"] and metadata["annotator_id"] and metadata["judgment_id"]
        assert metadata["question"] == "preference" and metadata["prompt_media"] == []
        good_first = metadata["source_models"] == ["good-model", "bad-model"]
        assert sorted(metadata["source_models"]) == ["bad-model", "good-model"]
        if "(tie)" in row["caption"]:
            assert (row["label_0"], row["label_1"]) == (0.5, 0.5)
        else:
            assert row["label_0"] == (1.0 if good_first else 0.0)
        for column in ("jpg_0", "jpg_1"):
            assert row[column].startswith("media/") and (folder / row[column]).is_file()
        if row["label_0"] != 0.5:
            preferred = row["jpg_0"] if row["label_0"] == 1.0 else row["jpg_1"]
            assert Image.open(folder / preferred).getpixel((0, 0)) == GOOD

    # The manifest lists the files the rows name; the card and Croissant describe the format.
    manifest = json.loads((folder / "manifest.json").read_text())
    media = {f["name"] for f in manifest["files"] if f["name"].startswith("media/")}
    assert media == {r[c] for r in rows for c in ("jpg_0", "jpg_1")}
    assert manifest["counts"]["rows"] == 3 and manifest["counts"]["skipped"] == {}
    card = (folder / "README.md").read_text()
    assert "diffusers Diffusion-DPO example" in card and "TRL's the" not in card
    assert "| `jpg_0` | the image shown first" in card and "| `label_0` |" in card
    assert "- text-to-image\n" in card.split("---")[1]
    croissant = json.loads((folder / "croissant.json").read_text())
    fields = {f["name"]: f for f in croissant["recordSet"][0]["field"]}
    assert list(fields)[:7] == ["id", "campaign", "caption", "jpg_0", "jpg_1", "label_0", "label_1"]
    assert fields["label_0"]["dataType"] == "sc:Float" and fields["jpg_0"]["dataType"] == "sc:Text"
    assert [d["@id"] for d in croissant["distribution"]] == ["image_pairs.jsonl", "media-png"]

    loaded = datasets.load_dataset(
        "json", data_files=str(folder / "image_pairs.jsonl"), split="train"
    )
    batch = _diffusers_first_batch(_with_bytes(loaded, folder, ("jpg_0", "jpg_1")))
    _check_diffusers_batch(batch, rows)
    # As README says to run the example itself: the bytes saved as a local dataset folder,
    # which its `load_dataset(args.dataset_name, split=args.dataset_split_name)` reads.
    script_data = tmp_path / "t2i-pairs"
    _with_bytes(loaded, folder, ("jpg_0", "jpg_1")).to_parquet(str(script_data / "train.parquet"))
    as_the_script_loads = datasets.load_dataset(str(script_data), split="train")
    assert isinstance(as_the_script_loads[0]["jpg_0"], bytes)
    _check_diffusers_batch(_diffusers_first_batch(as_the_script_loads), rows)

    # Parquet: the same rows, the same batch; ties dropped on request.
    parquet = _export(researcher, slug, format="image_pairs", file_format="parquet")
    assert pq.read_table(parquet / "image_pairs.parquet").to_pylist() == rows
    loaded = datasets.load_dataset(
        "parquet", data_files=str(parquet / "image_pairs.parquet"), split="train"
    )
    batch = _diffusers_first_batch(_with_bytes(loaded, parquet, ("jpg_0", "jpg_1")))
    _check_diffusers_batch(batch, rows)

    no_ties = _export(researcher, slug, format="image_pairs", drop_ties=True)
    kept = _rows(no_ties, "image_pairs.jsonl")
    assert len(kept) == 2 and {r["label_0"] for r in kept} <= {0.0, 1.0}
    skipped = json.loads((no_ties / "manifest.json").read_text())["counts"]["skipped"]
    assert skipped == {"tie": 1}


def test_audio_pairs_give_the_preferred_clip_first(judged_media):
    import datasets
    import numpy as np
    import soundfile

    torch = _torch()
    researcher, slug = judged_media("audio")
    folder = _export(researcher, slug, format="audio_pairs", drop_ties=True)
    rows = _rows(folder, "audio_pairs.jsonl")
    assert len(rows) == 2
    assert {tuple(sorted(r)) for r in rows} == {
        ("audio_0", "audio_1", "campaign", "id", "label_0", "label_1", "metadata", "text")
    }
    card = (folder / "README.md").read_text()
    assert "| `audio_0` | the clip played first" in card

    loaded = datasets.load_dataset(
        "json", data_files=str(folder / "audio_pairs.jsonl"), split="train"
    )
    loaded = _with_bytes(loaded, folder, ("audio_0", "audio_1"))

    def preprocess(examples: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """As the image loader: decode both clips, preferred first by label_0, fixed length."""
        waves, lengths = [], []
        for clip_0, clip_1, label_0 in zip(
            examples["audio_0"], examples["audio_1"], examples["label_0"], strict=True
        ):
            pair = [soundfile.read(io.BytesIO(data), dtype="float32") for data in (clip_0, clip_1)]
            assert {rate for _, rate in pair} == {RATE}
            if label_0 == 0:
                pair = pair[::-1]
            lengths.append([len(samples) for samples, _ in pair])
            padded = [np.pad(s, (0, RATE - len(s)))[:RATE] for s, _ in pair]
            waves.append(torch.from_numpy(np.stack(padded)))
        return {"waves": waves, "lengths": lengths, "text": examples["text"]}

    loader = torch.utils.data.DataLoader(
        loaded.with_transform(preprocess),
        batch_size=4,
        collate_fn=lambda batch: {
            "waves": torch.stack([example["waves"] for example in batch]),
            "lengths": [example["lengths"] for example in batch],
            "text": [example["text"] for example in batch],
        },
    )
    batch = next(iter(loader))
    assert tuple(batch["waves"].shape) == (2, 2, RATE)
    good, bad = (int(seconds * RATE) for seconds, _ in (GOOD_TONE, BAD_TONE))
    assert batch["lengths"] == [[good, bad], [good, bad]]  # the 0.5 s clip won, every time
    assert sorted(batch["text"]) == sorted(PROMPTS["audio"][:2])


def test_dpo_of_media_candidates_is_refused_over_rest_and_cli_naming_the_format(
    judged_media, tmp_path
):
    from typer.testing import CliRunner

    from prefhub.cli import app

    researcher, slug = judged_media("image")
    for fmt in ("dpo", "kto", "reward", "ranking", "ratings", "feedback"):
        refused = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": fmt})
        assert refused.status_code == 422, (fmt, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "wrong_format_for_candidates"
        assert "candidates" in error["message"] and "export image_pairs" in error["message"]
        assert "audio_pairs" not in error["message"]
    # Nothing was queued; every answer as given is still there.
    assert researcher.get(f"/api/campaigns/{slug}/exports").json()["exports"] == []
    assert _export(researcher, slug, format="judgments").is_dir()
    # audio_pairs has nothing to take from an image campaign.
    refused = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "audio_pairs"})
    assert refused.json()["error"]["code"] == "wrong_format_for_candidates"
    assert "are images: export image_pairs or judgments" in refused.json()["error"]["message"]

    out = tmp_path / "refused"
    result = CliRunner().invoke(app, ["export", slug, "--out", str(out), "--format", "dpo"])
    assert result.exit_code != 0 and not out.exists()
    assert "export image_pairs" in " ".join(result.output.split())


def test_video_candidates_are_refused_by_every_training_format(as_user, unique):
    """No format trains on video pairs: dpo and image_pairs both point at judgments."""
    from support.media import mp4

    researcher = as_user("researcher")
    slug = f"video-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    row = {
        "id": "clip",
        "prompt": "Film a cat.",
        "candidates": [
            {"content": [{"type": "video", "path": f"{n}.mp4"}], "model": f"m{n}"} for n in (1, 2)
        ],
    }
    files = {"1.mp4": mp4(duration_ms=1000), "2.mp4": mp4(duration_ms=2000)}
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.zip", _zip([row], files), "application/zip")},
    )
    assert imported.status_code == 201, imported.text
    for fmt, said in (
        ("dpo", "are videos: TRL's vision form carries media in the prompt only"),
        ("image_pairs", "are videos: export judgments"),
    ):
        refused = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": fmt})
        error = refused.json()["error"]
        assert error["code"] == "wrong_format_for_candidates" and said in error["message"]
        assert "export judgments" in error["message"]


def test_media_pairs_refuse_a_text_campaign(as_user, unique):
    from support.api import create_campaign_with_items

    researcher = as_user("researcher")
    slug = f"text-{unique}"
    create_campaign_with_items(researcher, slug, n_items=1, redundancy=1)
    refused = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "image_pairs"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "wrong_format_for_candidates"
    assert "hold no media" in error["message"] and "export dpo" in error["message"]


def test_images_in_the_prompt_pass_trls_placeholder_check(as_user, unique, db):
    """The image-in-prompt dpo form: TRL 1.16's prepare_multimodal_messages (the function that
    says "Number of images provided (2) does not match number of image placeholders (0)")
    fills the prompt's placeholders with the row's images, and chosen / rejected need none."""
    try:
        from trl.data_utils import prepare_multimodal_messages
    except ImportError as exc:
        require_or_skip("trl", f"TRL is not installed (pip install -e '.[trl]'): {exc}")

    researcher = as_user("researcher")
    slug = f"look-{unique}"
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, redundancy=1))
    assert created.status_code == 201
    rows = [
        {
            "id": "look",
            "prompt": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Which colour is first, then second?"},
                        {"type": "image", "path": "red.png", "alt": "red"},
                        {"type": "image", "path": "blue.png", "alt": "blue"},
                    ],
                }
            ],
            "candidates": ["Red, then blue.", "Blue, then red."],
        }
    ]
    files = {"red.png": _png(GOOD), "blue.png": _png(BAD, (24, 36))}
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.zip", _zip(rows, files), "application/zip")},
    )
    assert imported.status_code == 201, imported.text
    judge_next(
        as_user(),
        slug,
        lambda task: {
            "preference": {
                "choice": next(
                    c["label"] for c in task["candidates"] if c["content"][0]["text"][0] == "R"
                )
            }
        },
    )
    folder = _export(researcher, slug, format="dpo")
    (row,) = _rows(folder, "dpo.jsonl")
    images = [Image.open(folder / path) for path in row["images"]]
    assert [image.getpixel((0, 0)) for image in images] == [GOOD, BAD]
    prompt = prepare_multimodal_messages(row["prompt"], images=images)
    filled = [part for part in prompt[0]["content"] if part["type"] == "image"]
    assert [part["image"] for part in filled] == images
    for column in ("chosen", "rejected"):
        assert prepare_multimodal_messages(row[column]) == row[column]  # no placeholder
    assert row["chosen"][0]["content"] == [{"type": "text", "text": "Red, then blue."}]


def test_rankings_and_ratings_of_media_expand_to_pairs_and_ties():
    """The writer on its own: a ranking of three images gives a pair per two tiers and a tie
    row per two candidates of one tier; a rating, by mean; drop_ties leaves the ties out."""
    from prefhub.exports.formats.dpo import MediaFiles
    from prefhub.exports.formats.media_pairs import IMAGE_PAIRS, MediaPairsWriter
    from prefhub.exports.judgment_record import JudgmentRecord

    def image(sha: str) -> list[dict[str, Any]]:
        return [{"type": "image", "sha256": sha}]

    record = JudgmentRecord(
        judgment_id=7,
        annotator_pseudonym="ann",
        item_external_id="it",
        context=[{"role": "user", "content": [{"type": "text", "text": "A cat"}]}],
        answers={
            "rank": {"ranking": [["B"], ["A", "C"]]},
            "rate": {"scores": {"A": {"q": 1}, "B": {"q": 3}, "C": {"q": 3}}},
        },
        shown_order=[30, 10, 20],  # A is candidate 30, B 10, C 20
        candidates={10: (image("b"), "m1"), 20: (image("c"), "m2"), 30: (image("a"), "m3")},
        time_spent_ms=None,
        campaign_version=1,
        created_at="2026-01-01T00:00:00",
    )
    kinds = {"rank": "ranking", "rate": "rating"}

    def rows(drop_ties: bool) -> dict[str, tuple[str, str, float]]:
        writer = MediaPairsWriter("c", kinds, shape=IMAGE_PAIRS, drop_ties=drop_ties)
        writer.media = MediaFiles({s: f"{s}.png" for s in "abc"})
        found = {r["id"]: (r["jpg_0"], r["jpg_1"], r["label_0"]) for r in writer.rows(record)}
        assert all(r["label_1"] == 1 - r["label_0"] for r in writer.rows(record))
        return found

    assert rows(drop_ties=False) == {
        "j7.rank.B>A": ("media/a.png", "media/b.png", 0.0),
        "j7.rank.B>C": ("media/b.png", "media/c.png", 1.0),
        "j7.rate.B>A": ("media/a.png", "media/b.png", 0.0),
        "j7.rate.C>A": ("media/a.png", "media/c.png", 0.0),
        "j7.rank.A=C": ("media/a.png", "media/c.png", 0.5),
        "j7.rate.B=C": ("media/b.png", "media/c.png", 0.5),
    }
    assert set(rows(drop_ties=True)) == {"j7.rank.B>A", "j7.rank.B>C", "j7.rate.B>A", "j7.rate.C>A"}

    # A pair with a candidate that is not one image is skipped and counted.
    record.candidates[20] = ([{"type": "text", "text": "no picture"}], "m2")
    writer = MediaPairsWriter("c", kinds, shape=IMAGE_PAIRS, drop_ties=True)
    writer.media = MediaFiles({s: f"{s}.png" for s in "abc"})
    assert [r["id"] for r in writer.rows(record)] == ["j7.rank.B>A", "j7.rate.B>A"]
    assert writer.media.used == {"a", "b"}  # only the files rows name are copied
    assert writer.skipped == Counter({"not_one_image": 2, "tied_pairs": 1, "equal_score_pairs": 1})


def test_the_multimodal_demo_splits_into_image_and_audio_pairs(db, as_user, unique):
    """The multimodal demo's items (image and audio items in one campaign, made as `prefhub
    seed-demo` makes them, in a campaign of this test's own): each pairs format takes its own
    kind, counts the others, and exports byte-reproducibly; dpo is refused naming both."""
    import yaml
    from typer.testing import CliRunner

    from prefhub.campaigns.service import get_by_slug
    from prefhub.cli import app
    from prefhub.demo.multimodal import import_demo_media
    from prefhub.demo.seed import DEMO_DIR

    researcher = as_user("researcher")
    slug = f"multimodal-{unique}"
    spec = yaml.safe_load((DEMO_DIR / "demo_multimodal.yaml").read_text("utf-8"))
    created = researcher.post("/api/campaigns", json=spec | {"slug": slug})
    assert created.status_code == 201, created.text
    with db() as session:
        assert len(import_demo_media(session, get_by_slug(session, slug))) == 7
    simulated = CliRunner().invoke(
        app, ["simulate", slug, "--annotators", "3", "--judgments", "14", "--seed", "4"]
    )
    assert simulated.exit_code == 0, simulated.output

    for fmt, column in (("image_pairs", "jpg_0"), ("audio_pairs", "audio_0")):
        folder = _export(researcher, slug, format=fmt)
        rows = _rows(folder, f"{fmt}.jsonl")
        manifest = json.loads((folder / "manifest.json").read_text())
        assert rows and all(r["metadata"]["item_id"].startswith(fmt.split("_")[0]) for r in rows)
        assert set(manifest["counts"]["skipped"]) <= {"not_one_image", "not_one_audio", "both_bad"}
        assert {Path(r[column]).suffix for r in rows} == (
            {".png"} if fmt == "image_pairs" else {".wav"}
        )
        again = _export(researcher, slug, format=fmt)
        assert (again / f"{fmt}.jsonl").read_bytes() == (folder / f"{fmt}.jsonl").read_bytes()
    refused = researcher.post(f"/api/campaigns/{slug}/exports", json={"format": "dpo"})
    message = refused.json()["error"]["message"]
    assert "images and audio" in message and "export image_pairs and audio_pairs" in message
