# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`python -m vivit_hf.convert scenic|transformers ...`: a released checkpoint -> a Hub-ready folder (safetensors
weights, config with `auto_map` and the model code, the video processor, a model card), optionally uploaded."""

from __future__ import annotations

import glob
import json
import logging
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from huggingface_hub.errors import HFValidationError
from torch import nn

from ..flag_spellings import SpellingsArgumentParser, typed_flag_name
from ..hub.cards import build_model_card, source_license
from ..hub.folders import MODEL_FOLDER_PATTERNS, WEIGHT_PATTERNS, saved_code_files, staged_outputs
from ..hub.push_flags import add_push_flags, push_problem
from ..hub.upload import create_repo, push_folder, top_level_flags
from ..models.modeling_vivit import ViViTSpatioTemporalForVideoClassification, ViViTSpatioTemporalModel
from ..processing.processing_vivit import ViViTVideoProcessor
from ..run_folder import model_folder_refusal, unexpanded_tilde
from .checkpoint_files import (
    HUB_KWARGS,
    CheckpointSourceError,
    TransformersCheckpointError,
    read_transformers_checkpoint,
    resolve_file,
)
from .scenic import ScenicConversionError, load_scenic, read_scenic_config
from .scenic_checkpoint import ScenicCheckpointError
from .transformers_vivit import config_from_transformers_vivit, load_transformers_vivit_into

logger = logging.getLogger(__name__)


def scenic_processor_kwargs(scenic_config) -> dict:
    """The video processor settings of a scenic config's evaluation pipeline: frames and stride, shorter side
    `min_resize`, centre crop `crop_size`, and zero-centred ([-1, 1]) pixels when `zero_centering` is on."""
    data = read_scenic_config(scenic_config).get("dataset_configs", {}) or {}
    crop = data.get("crop_size", 224)
    height, width = (crop, crop) if isinstance(crop, int) else tuple(crop)
    kwargs = dict(
        num_frames=int(data.get("num_frames", 32)),
        frame_stride=int(data.get("stride", 2)),
        size={"shortest_edge": int(data.get("min_resize", 256))},
        crop_size={"height": int(height), "width": int(width)},
    )
    if data.get("zero_centering", True):
        kwargs["normalization"] = "scenic"
    else:  # scenic then feeds [0, 1]
        kwargs.update(rescale_factor=1 / 255, rescale_offset=False, do_normalize=False)
    return kwargs


def transformers_processor_kwargs(source: str, config, hub_kwargs: dict | None = None) -> dict:
    """Frame count and crop from the checkpoint; sizes from its (video_)preprocessor_config.json when it has one, read
    from the folder or Hub repo `source` as the weights were. Pixels are scenic's [-1, 1]: the released weights were
    trained by scenic on that range (transformers' Vivit processors normalise twice and feed [-3, 1])."""
    height, width = config.image_size_hw
    # Without the checkpoint's own size: the paper's resize-then-crop ratio (shorter side 256 for a 224 crop), scaled
    # to this crop, so a 64-pixel model sees most of each frame rather than its centre sixteenth.
    fallback = max(height, width) * 256 // 224
    kwargs = dict(
        num_frames=config.num_frames,
        frame_stride=2,
        size={"shortest_edge": fallback},
        crop_size={"height": height, "width": width},
        normalization="scenic",
    )
    out_of_reach = []
    for name in ("video_preprocessor_config.json", "preprocessor_config.json"):
        try:
            path = resolve_file(os.fspath(source), name, hub_kwargs or {})
        except CheckpointSourceError as error:  # the weights were read; only this optional file is out of reach
            out_of_reach.append(str(error))
            continue
        if path is not None:
            with open(path) as handle:
                saved = json.load(handle)
            if isinstance(saved.get("size"), dict) and "shortest_edge" in saved["size"]:
                kwargs["size"] = {"shortest_edge": int(saved["size"]["shortest_edge"])}
            return kwargs
    # Say so: a checkpoint trained at another size would otherwise be resized wrongly unnoticed.
    why = (
        "; ".join(out_of_reach)
        or f"{os.fspath(source)!r} has no video_preprocessor_config.json or preprocessor_config.json"
    )
    logger.warning(
        "%s; the video processor resizes the shorter side to %d (256 / 224 of the %dx%d crop, as the paper)",
        why,
        fallback,
        height,
        width,
    )
    return kwargs


# scenic's released ViViT checkpoints are under its licence, Apache-2.0 (github.com/google-research/scenic)
SCENIC_LICENSE = {"license": "apache-2.0"}


def save_hub_folder(
    model,
    out,
    *,
    processor_kwargs: dict,
    source: str,
    command: str,
    notes: str = "",
    model_name: str | None = None,
    license: Mapping | None = None,
    written: set | None = None,
    revision: str | None = None,
    base_model: str | None = None,
) -> str:
    """Weights (safetensors) + config + model code, the video processor and the model card (README.md) into
    `out`, as a whole: a model folder already there (`--overwrite_output_dir`) is replaced, not written over. Its
    files this conversion does not write (a sharded save's shards and index, `pytorch_model.bin`, an older
    `preprocessor_config.json`) go, as they would be uploaded with it and read by some loaders; files that are no
    part of a model folder stay, and so does any `.py` (the new model's code replaces the old one's modules of the
    same names; a `pipeline.py` there may be the user's).

    `model_name`: the Hub repo the folder is pushed to, which the card's title and usage example name (they said
    `vivit-...-converted` and `from_pretrained("path/or/repo-id")`); `license`: the source's (`source_license`;
    {}: stated as unknown, not invented); `base_model`: the Hub repo the weights came from, the card's `base_model`
    metadata (a local source is none: the card names it in its text). `written`, a set, gets the names of the
    entries written (what an upload of the folder is to hold: not the user's files beside them)."""
    os.makedirs(out, exist_ok=True)
    with staged_outputs(out, model_files=MODEL_FOLDER_PATTERNS) as staging:
        model.save_pretrained(staging)
        processor = ViViTVideoProcessor(**processor_kwargs)
        processor.save_pretrained(staging)
        card = build_model_card(
            model.config,
            processor=processor,
            converted_from=source,
            base_model=base_model,
            command=command,
            notes=notes,
            model_name=model_name,
            revision=revision,
            **(license or {}),
        )
        card.save(os.path.join(staging, "README.md"))
        if written is not None:
            written.update(path.name for path in Path(staging).iterdir())
    return os.fspath(out)


def converted_files_flags(out) -> tuple[str, ...]:
    """The `hf upload` flags that upload of `out` what the push of a conversion does (`save_hub_folder`'s
    `written`): the model folder, not the files --overwrite_output_dir keeps there now (a user's notes, a .env, a
    `pipeline.py`: `top_level_flags`), which an upload of the whole folder took."""
    from ..models import configuration_vivit, modeling_vivit
    from ..processing import processing_vivit

    code = saved_code_files(configuration_vivit, modeling_vivit, processing_vivit)
    names = sorted({"config.json", "video_preprocessor_config.json", "README.md", *code})
    return tuple(top_level_flags(out, (*names, *WEIGHT_PATTERNS)))


# The command as a user types it: the parser's name, and the start of every command line a card shows.
PROG = "python -m vivit_hf.convert"


def _equivalent_command(source: str, **flags) -> str:
    """The command line that makes the same folder, for the card of a conversion called from Python (the card showed
    a bare `python -m vivit_hf.convert transformers`, which does not run). A scenic config given as a dict has no
    file to name: no command then, and the card says only where the weights came from."""
    if not all(isinstance(value, (str, os.PathLike)) for value in flags.values()):
        return ""
    words = [*PROG.split(), source]
    for name, value in flags.items():
        words += [f"--{name}", os.fspath(value)]
    return shlex.join(words)


def read_class_names(labels) -> list[str]:
    """`--labels`: the names of the classifier's outputs, in its order, from a JSON list (or an object of index ->
    name) or a text file of one name a line (UTF-8, a byte-order mark skipped); a sequence of names is taken as it is.
    `name_classes` checks that each is named once (per head)."""
    if not isinstance(labels, (str, os.PathLike)):
        names = list(labels)
    else:
        path = os.fspath(labels)
        try:
            # (utf-8-sig: the byte-order mark Windows' Notepad writes first was kept in class 0's name, and refused
            # by `json.loads` as "Unexpected UTF-8 BOM")
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read()
        except OSError as error:
            raise ScenicConversionError(f"--labels {path}: {error.strerror or error}") from error
        if path.lower().endswith(".json"):
            try:
                names = json.loads(text)
            except json.JSONDecodeError as error:
                raise ScenicConversionError(f"--labels {path} is not valid JSON: {error}") from error
            if isinstance(names, Mapping):  # {"0": "abseiling", ...}: config.json's id2label as it saves it
                try:
                    order = sorted(names, key=int)
                except (TypeError, ValueError) as error:
                    raise ScenicConversionError(f"--labels {path}: its keys are not class indices ({error})") from error
                if [int(key) for key in order] != list(range(len(order))):
                    raise ScenicConversionError(f"--labels {path}: its keys are not the indices 0 to {len(order) - 1}")
                names = [names[key] for key in order]
            if not isinstance(names, list):
                raise ScenicConversionError(f"--labels {path} holds a {type(names).__name__}, not a list of names")
        else:
            names = text.splitlines()
            while names and not names[-1].strip():  # a file's final newline (or a few) ends it, naming nothing
                names.pop()
    names = [name.strip() if isinstance(name, str) else name for name in names]
    where = f"--labels {labels}" if isinstance(labels, (str, os.PathLike)) else "labels"
    bad = next((i for i, name in enumerate(names) if not isinstance(name, str) or not name), None)
    if bad is not None:
        raise ScenicConversionError(f"{where}: class {bad} has no name ({names[bad]!r})")
    return names


def name_classes(model: nn.Module, names: list[str], where: str) -> None:
    """Give the converted classifier's outputs `names` (scenic's checkpoints hold none: its data pipeline numbers the
    classes, and the converted model answered `LABEL_17`)."""
    outputs = model.config.num_labels
    if len(names) != outputs:
        heads = getattr(model.config, "label_spaces", None)
        said = f" ({', '.join(f'{head} {n}' for head, n in heads.items())}, in that order)" if heads else ""
        raise ScenicConversionError(
            f"{where} names {len(names)} classes, but the checkpoint's classifier has {outputs} outputs{said}: "
            "give one name for each, in the order of the training labels"
            if outputs
            else f"{where} names {len(names)} classes, but the model has no classifier (scenic's return_prelogits)"
        )
    heads = getattr(model.config, "label_spaces", None) or {"label": outputs}
    named, seen, start = [], {}, 0
    for head, size in heads.items():
        # Several heads: each class `head:name`, as fine-tuning names them (`VideoClassificationData.label_names`),
        # which evaluate.py and the pipeline read back per head. Bare, a noun and a verb of one spelling would be
        # one name given twice, and label2id would keep one of them.
        prefix = f"{head}:" if len(heads) > 1 else ""
        for i in range(start, start + size):
            name = prefix + names[i].removeprefix(prefix)  # (a vivit_hf config.json's id2label is prefixed already)
            if name in seen:  # label2id keeps one index per name: the pipeline's names would not be the classifier's
                raise ScenicConversionError(f"{where}: classes {seen[name]} and {i} are both named {name!r}")
            seen[name] = i
            named.append(name)
        start += size
    model.config.id2label = dict(enumerate(named))
    model.config.label2id = seen


def convert_scenic_checkpoint(
    checkpoint,
    scenic_config,
    out,
    *,
    command: str = "",
    model_name: str | None = None,
    revision: str | None = None,
    written: set | None = None,
    labels=None,
) -> nn.Module:
    """A scenic checkpoint (directory of `checkpoint_<step>` files, a single file, or an .npz) and its scenic config
    (.py as scenic ships it, or JSON) -> a Hub-ready folder. Returns the loaded model. `model_name`: the Hub repo it
    is to be pushed to, named by its card. `labels`: the classes' names, in the classifier's order (a file as
    `read_class_names` reads it, or a sequence); without them they are `LABEL_0`, `LABEL_1`, ..."""
    names = None if labels is None else read_class_names(labels)  # a file that does not read: before the checkpoint
    # once: a .py config is executed (and warns) on every read
    scenic_config_path, scenic_config = scenic_config, read_scenic_config(scenic_config)
    model = load_scenic(checkpoint, scenic_config)
    if names is not None:
        name_classes(model, names, f"--labels {labels}" if isinstance(labels, (str, os.PathLike)) else "labels")
    flags = dict(checkpoint=checkpoint, config=scenic_config_path, out=out)
    if labels is not None:
        flags["labels"] = labels
    save_hub_folder(
        model,
        out,
        processor_kwargs=scenic_processor_kwargs(scenic_config),
        source=os.fspath(checkpoint),
        command=command or _equivalent_command("scenic", **flags),
        model_name=model_name,
        license=SCENIC_LICENSE,
        written=written,
        revision=revision,
    )
    return model


def convert_transformers_checkpoint(
    source,
    out,
    *,
    command: str = "",
    model_name: str | None = None,
    revision: str | None = None,
    written: set | None = None,
    **hub_kwargs,
) -> nn.Module:
    """A transformers ViViT folder or Hub id (old or transformers 5 key names) -> a Hub-ready folder, under the
    licence its model card states. `model_name`: the Hub repo it is to be pushed to, named by its card."""
    if not isinstance(source, (str, os.PathLike)):  # the card names its source and licence: a model object has neither
        raise TransformersCheckpointError(
            f"convert_transformers_checkpoint reads a folder or a Hub id, got a {type(source).__name__}: save it with "
            "save_pretrained first, or load it with ViViTSpatioTemporalForVideoClassification.from_transformers_vivit"
            "(model) (ViViTSpatioTemporalModel's for a model without a classifier)"
        )
    config_dict, state = read_transformers_checkpoint(source, **hub_kwargs)
    config = config_from_transformers_vivit(config_dict)
    has_head = any(name.startswith("classifier.") for name in state)
    model = (ViViTSpatioTemporalForVideoClassification if has_head else ViViTSpatioTemporalModel)(config)
    unused = load_transformers_vivit_into(model, state)
    model.eval()
    notes = ""
    if unused:
        notes = "Not converted (no counterpart): " + ", ".join(f"`{name}`" for name in unused) + "."
    save_hub_folder(
        model,
        out,
        processor_kwargs=transformers_processor_kwargs(source, config, hub_kwargs),
        source=os.fspath(source),
        command=command or _equivalent_command("transformers", model=source, out=out),
        notes=notes,
        model_name=model_name,
        license=source_license(source, **{k: v for k, v in hub_kwargs.items() if k in HUB_KWARGS}),
        base_model=os.fspath(source),  # a Hub id only: `build_model_card` writes no path as one
        written=written,
        revision=revision,
    )
    return model


def output_folder_problem(out: str, overwrite: bool) -> str | None:
    """Why `--out` cannot take the converted folder (None: it can): a file, or a folder with files in it (a previous
    conversion, or anything else) unless `--overwrite_output_dir`, the recipes' flag for the same choice."""
    if os.path.isfile(out):
        return f"--out {out} is a file; give a folder (it is made if missing)"
    above = next((folder for folder in Path(out).absolute().parents if os.path.lexists(folder)), None)
    if above is not None and not above.is_dir():  # `--out notes.txt/model`: a NotADirectoryError traceback
        return f"--out {out}: {above} is a file, not a folder; give a folder (it is made if missing)"
    if overwrite or not os.path.isdir(out):
        return None
    entries = sorted(os.listdir(out))
    if not entries:
        return None
    shown = ", ".join(entries[:4]) + (f" and {len(entries) - 4} more" if len(entries) > 4 else "")
    return (
        f"--out {out} is not empty ({shown}); give a new or empty folder, or add --overwrite_output_dir to replace "
        "the model there by the converted one (other files stay)"
    )


def missing_input_problem(args) -> str | None:
    """The inputs given as local paths that are not there, in the recipes' words (`vivit_hf.run_folder`: argparse's,
    the flag named): checked before the Hub repo is made, or a typo in `--checkpoint` left an empty repo on the user's
    account (and, offline, was said as the Hub being out of reach). `transformers --model ./nope` was "'./nope': no
    such file or folder", and scenic's "./nope does not exist", neither naming the flag (nor, for a model, the Hub id
    it could be)."""
    if args.source == "transformers":  # a folder (a file is refused as one) or a Hub id
        # a folder here without config.json in export's and the recipes' words too: it was "'/tmp/x': no config.json
        # in the folder; ..." without the flag, where a Hub id out of reach says "argument --model: ..."
        return model_folder_refusal("--model", args.model)
    # scenic's are files on this machine alone: no Hub id to hint at, and a name without `./` is a path too
    for flag, path, kind in (
        ("--checkpoint", args.checkpoint, "file or folder"),
        ("--config", args.config, "file"),
        ("--labels", args.labels, "file"),
    ):
        if path is not None and not os.path.exists(path):
            return unexpanded_tilde(flag, path) or f"argument {flag}: {path!r}: no such {kind}"
    return None


def main(argv=None) -> int:
    parser = SpellingsArgumentParser(  # its subcommands' parsers are of its class: every flag in both spellings
        prog=PROG, description="Convert released ViViT checkpoints into Hub-ready folders."
    )
    commands = parser.add_subparsers(dest="source", required=True)
    scenic = commands.add_parser("scenic", help="a scenic (Flax) checkpoint and its config file")
    scenic.add_argument(
        "--checkpoint",
        required=True,
        help="checkpoint directory (checkpoint_<step> files), one checkpoint file, or an .npz",
    )
    scenic.add_argument("--config", required=True, help="the scenic config (.py as scenic ships it, or .json)")
    scenic.add_argument(
        "--labels",
        # the JSON object and the several heads' order, which the converter reads, were said in the docs alone
        help="the classes' names, in the order of the checkpoint's classifier (its training labels): a text file of "
        "one name a line, a JSON list, or a JSON object of index -> name (config.json's id2label); with label "
        "spaces, each head's names in turn (noun, then verb). scenic's checkpoints hold no names: without it they "
        "are LABEL_0, LABEL_1, ...",
    )
    transformers_parser = commands.add_parser("transformers", help="a transformers ViViT folder or Hub id")
    transformers_parser.add_argument("--model", required=True, help="folder or Hub id (model_type 'vivit')")
    for sub in (scenic, transformers_parser):
        # the recipes' names too (--output_dir, --push_to_hub): a user coming from them types those
        sub.add_argument("--out", "--output_dir", dest="out", required=True, help="output folder")
        # finetune.py's and the shard writer's: --push_to_hub --hub_model_id REPO, --hub_token, --hub_private_repo,
        # --hub_revision (or push_to_hub's `revision=`, --revision), --upload_retries; `--push-to-hub REPO` and
        # `--private`, this command's own before, work with a warning
        add_push_flags(sub, repo_kind="model", revision_aliases=("--revision",))
        sub.add_argument(
            "--overwrite_output_dir",
            "--overwrite",
            dest="overwrite_output_dir",
            action="store_true",
            help="write into an --out folder that is not empty: a model there is replaced, its files the conversion "
            "does not write too (stale shards, index, configs); other files stay. Without it such a folder is refused",
        )
    args = parser.parse_args(argv)
    command = f"{PROG} " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    typed = {
        typed_flag_name(str(word)): str(word).split("=", 1)[0] for word in (sys.argv[1:] if argv is None else argv)
    }
    # (offline mode, a bad repo id or branch, a push flag without --push_to_hub: said before minutes of converting)
    problem = output_folder_problem(args.out, args.overwrite_output_dir) or push_problem(
        args, typed, upload_flags=converted_files_flags(args.out)
    )
    source = getattr(
        args, "model", None
    )  # `transformers --model`: a folder whose model --overwrite_output_dir replaced
    if (
        not problem
        and source
        and os.path.isdir(source)
        and os.path.isdir(args.out)
        and os.path.samefile(source, args.out)
    ):
        problem = (
            f"--out {args.out} is the folder of --model {source}: the converted model would replace the checkpoint it "
            "is converted from; give another --out"
        )
    problem = problem or missing_input_problem(args)
    if problem:  # before any checkpoint is read: a converted model must not land over another one unasked
        print(f"{parser.prog}: error: {problem}", file=sys.stderr)
        return 2
    repo = None
    if args.push_to_hub:
        # The repo before the conversion, as finetune.py makes it before training: a repo that cannot be made (no
        # token, no write access) is said before minutes of converting, and the card names the repo it lands in,
        # owner included (a name alone is the token's user's)
        try:
            repo = create_repo(args.hub_model_id, token=args.hub_token, private=args.hub_private_repo)
        except Exception as error:  # noqa: BLE001 - the Hub's HTTP errors, its client's (no network), a refusal
            reason = " ".join(f"{type(error).__name__}: {error}".split("\n")[0].split())
            print(f"{parser.prog}: error: cannot create the Hub repo {args.hub_model_id}: {reason}", file=sys.stderr)
            return 1
    # What the user gave does not fit: one line, argparse's exit code. Anything else is a bug and keeps its traceback.
    written: set[str] = set()  # what the upload holds: the user's files kept in --out (notes, a .env) stay here
    named = dict(command=command, model_name=repo, revision=args.hub_revision if repo else None, written=written)
    try:
        if args.source == "scenic":
            model = convert_scenic_checkpoint(args.checkpoint, args.config, args.out, labels=args.labels, **named)
        else:
            model = convert_transformers_checkpoint(args.model, args.out, **named)
    except (ScenicCheckpointError, ScenicConversionError, TransformersCheckpointError) as error:
        # a Hub id out of reach is the flag's problem, named as the recipes name theirs (`--init_from 'x': ...`):
        # `transformers --model google/vivit-b-16x2-kinetics400` offline said "'google/...': no such local ..." alone
        hub_id = isinstance(error, CheckpointSourceError) and args.source == "transformers"
        flag = "argument --model: " if hub_id else ""
        print(f"{parser.prog}: error: {flag}{error}", file=sys.stderr)
        return 2
    print(f"wrote {type(model).__name__} to {args.out}")
    if args.push_to_hub:
        try:
            kept = sorted(set(os.listdir(args.out)) - written)  # (escaped: a name is no pattern)
            ignored = [pattern for name in kept for pattern in (glob.escape(name), f"{glob.escape(name)}/*")]
            repo = push_folder(
                args.out,
                repo,
                message="Convert ViViT checkpoint",
                token=args.hub_token,
                private=args.hub_private_repo,
                max_retries=args.upload_retries,
                ignore_patterns=ignored,
                revision=args.hub_revision,
            )
        except (HFValidationError, OSError) as error:  # a bad repo id, auth, HTTP or network errors
            message = " ".join(str(error).split())
            print(
                f"{parser.prog}: error: upload to {repo} failed ({message}); the converted folder is "
                f"kept at {args.out}",
                file=sys.stderr,
            )
            return 1
        print(f"uploaded {args.out} to {repo}")
    return 0
