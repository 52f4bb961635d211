"""Finding the Wan-Animate-2 checkpoint and refusing an incomplete one before loading it.

``ModularPipeline.load_components`` only logs a warning when a component fails to load and
leaves it ``None``; the first render would then crash deep inside a denoising step. The worker
instead checks the folder up front and refuses to start with a message that names what is
missing (a component folder, a config, a weight shard), so an operator can fix the download.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import RendererError

# the components a Wan-Animate-2 pipeline loads from weights (the rest are built from config)
REQUIRED_COMPONENTS = ("text_encoder", "tokenizer", "image_encoder", "vae", "transformer", "scheduler")
INDEX_FILES = ("modular_model_index.json", "model_index.json")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "spiece.model")


@dataclass(frozen=True)
class ModelSource:
    ref: str  # what diffusers' from_pretrained receives: a local folder or a hub id
    folder: Path | None  # the local files to check (a folder or a cached hub snapshot)
    model_id: str  # short name for versions and logs


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def model_missing(detail: str) -> RendererError:
    return RendererError(FailureReason.MODEL_MISSING, detail=detail)


def resolve_model(model: str, *, download: bool = False) -> ModelSource:
    """A local folder as is; a hub id from the local Hugging Face cache when it is there.

    An uncached hub id is fetched here when ``download`` (the worker starting), in one call
    that fails at once without network, with the command to fetch it elsewhere; left to the
    worker otherwise (``motionbot doctor`` must not start a 30 GB download). Through
    diffusers, a worker with no route to the Hub sat in per-file retries for over a minute.
    """
    text = model.strip()
    path = Path(text).expanduser()
    if path.exists():
        if not path.is_dir():
            raise model_missing(f"{path} is a file; --model needs a model folder (or a Hugging Face repo id)")
        folder = path.resolve()
        return ModelSource(ref=str(folder), folder=folder, model_id=folder.name)
    if text.startswith(("/", ".", "~")) or "\\" in text or text.count("/") > 1 or not _HUB_ID.match(text):
        raise model_missing(f"model folder {text} does not exist")
    from huggingface_hub import snapshot_download

    hint = f"download it first (`hf download {text}`) or pass a local folder with --model / MOTIONBOT_DIFFUSION_MODEL"
    try:
        snapshot = snapshot_download(text, local_files_only=True)
    except Exception as exc:
        if hub_offline():
            raise model_missing(
                f"{text} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set: "
                f"{hint} ({type(exc).__name__})"
            ) from exc
        if not download:
            return ModelSource(ref=text, folder=None, model_id=text)
        try:
            snapshot = snapshot_download(text)
        except Exception as fetch_exc:
            raise model_missing(
                f"{text} could not be fetched from the Hugging Face Hub ({type(fetch_exc).__name__}: "
                f"{str(fetch_exc)[:200]}): {hint}"
            ) from fetch_exc
    return ModelSource(ref=snapshot, folder=Path(snapshot), model_id=text)


def read_index(folder: Path) -> tuple[str, dict[str, Any]]:
    for name in INDEX_FILES:
        index = folder / name
        if index.is_file():
            try:
                data = json.loads(index.read_text())
            except (OSError, ValueError) as exc:
                raise model_missing(f"{index} is not readable JSON ({exc})") from exc
            if not isinstance(data, dict):
                raise model_missing(f"{index} is not a pipeline index")
            return name, data
    raise model_missing(f"{folder} has no {' or '.join(INDEX_FILES)}: it is not a diffusers model folder")


@dataclass(frozen=True)
class Component:
    """Where one component of a checkpoint's index is read from."""

    class_name: str
    subfolder: str
    directory: Path  # the local folder's own subfolder, or the shared repository's in the HF cache
    repo: str | None  # the other repository it comes from, when it is shared
    label: str  # how a report names it


def locate_component(folder: Path, name: str, index: dict[str, Any]) -> Component | None:
    """``name``'s files: the folder's own subfolder when present (diffusers prefers it too), else
    the subfolder of the repository the index names, from the local Hugging Face cache.

    The distilled repository may take its encoders from the base one. A local path in the
    index is never followed: an index saved elsewhere still points at its old location, which
    would otherwise be loaded silently. None when ``name`` is not listed.
    """
    entry = index.get(name)
    if not isinstance(entry, list) or len(entry) < 2 or entry[1] is None:
        return None
    subfolder, repo, revision = name, None, None
    if len(entry) == 3 and isinstance(entry[2], dict):
        subfolder = entry[2].get("subfolder") or name
        repo, revision = entry[2].get("pretrained_model_name_or_path"), entry[2].get("revision")
    label = f"{name}/" if subfolder == name else f"{subfolder}/"
    local = folder / subfolder
    if not local.is_dir() and isinstance(repo, str) and _is_hub_id(repo):
        shared = _shared_component(repo, revision, subfolder)
        directory = shared if shared is not None else local
        return Component(str(entry[1]), subfolder, directory, repo, f"{repo}:{subfolder}/")
    return Component(str(entry[1]), subfolder, local, None, label)


def missing_files(folder: Path, components: tuple[str, ...] = REQUIRED_COMPONENTS) -> list[str]:
    """What is absent from a local checkpoint, one readable entry each; empty when complete."""
    index_name, index = read_index(folder)
    missing: list[str] = []
    for name in components:
        component = locate_component(folder, name, index)
        if component is None:
            missing.append(f"{name} (not listed in {index_name})")
        elif component.repo is not None and not component.directory.is_dir():
            repo, sub = component.repo, component.subfolder
            missing.append(
                f"{sub}/ (the index takes it from {repo}, which is not in the local Hugging Face cache: "
                f"hf download {repo} --include '{sub}/*')"
            )
        else:
            missing += _component_gaps(component.directory, component.label, component.class_name)
    return missing


def _is_hub_id(ref: str) -> bool:
    return (
        not ref.startswith(("/", ".", "~"))
        and "\\" not in ref
        and ref.count("/") == 1
        and bool(_HUB_ID.match(ref))
    )


def _shared_component(repo: object, revision: object, subfolder: str) -> Path | None:
    """``subfolder`` of hub repository ``repo`` in the local cache, or None (never downloads)."""
    if not isinstance(repo, str) or not _is_hub_id(repo):
        return None
    from huggingface_hub import snapshot_download

    try:
        snapshot = snapshot_download(
            repo, revision=revision if isinstance(revision, str) else None, local_files_only=True,
            allow_patterns=[f"{subfolder}/*"],
        )  # fmt: skip
    except Exception:  # not cached (LocalEntryNotFoundError) or an unreadable cache
        return None
    directory = Path(snapshot) / subfolder
    return directory if directory.is_dir() else None


def checkpoint_is_distilled(folder: Path) -> tuple[bool, str]:
    """Whether the checkpoint in ``folder`` is the distilled model, and the class names that say so.

    The pipeline index names the blocks (``_blocks_class_name``) and the pipeline class
    (``_class_name``) it was saved with; the distilled checkpoint's are the ``...Distilled...``
    ones, which is also what ``ModularPipeline.from_pretrained`` builds from it.
    """
    index_name, index = read_index(folder)
    names = [str(index[k]) for k in ("_blocks_class_name", "_class_name") if index.get(k)]
    if not names:
        raise model_missing(
            f"{folder / index_name} names no pipeline class (_class_name): not a diffusers index"
        )
    return any("Distilled" in n for n in names), f"{index_name} names {' / '.join(names)}"


def _component_gaps(directory: Path, label: str, class_name: str) -> list[str]:
    if not directory.is_dir():
        return [f"{label} (folder missing)"]
    names = {p.name for p in directory.iterdir() if p.is_file() and p.stat().st_size > 0}
    if "Tokenizer" in class_name:
        return [] if names & set(_TOKENIZER_FILES) else [f"{label}tokenizer.json (no tokenizer files)"]
    if "Scheduler" in class_name:
        return [] if "scheduler_config.json" in names else [f"{label}scheduler_config.json"]
    gaps = [] if "config.json" in names else [f"{label}config.json"]
    shard_indexes = sorted(n for n in names if n.endswith((".safetensors.index.json", ".bin.index.json")))
    if shard_indexes:
        for index_name in shard_indexes:
            try:
                weight_map = json.loads((directory / index_name).read_text()).get("weight_map", {})
            except (OSError, ValueError):
                gaps.append(f"{label}{index_name} (unreadable)")
                continue
            gaps += [f"{label}{shard}" for shard in sorted(set(weight_map.values())) if shard not in names]
    elif not any(n.endswith((".safetensors", ".bin")) for n in names):
        gaps.append(f"{label} weights (no .safetensors file)")
    return gaps


def check_model_folder(folder: Path) -> None:
    """Raise MODEL_MISSING naming every gap in a local Wan-Animate-2 checkpoint."""
    if not folder.is_dir():
        raise model_missing(f"model folder {folder} does not exist")
    gaps = missing_files(folder)
    if gaps:
        raise model_missing(f"the model in {folder} is incomplete; missing: {', '.join(gaps)}")
