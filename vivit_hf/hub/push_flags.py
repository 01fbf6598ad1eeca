# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The Hub flags of the commands that write a folder and may upload it (`python -m vivit_hf.training.data.shard`,
`python -m vivit_hf.convert`), by finetune.py's (transformers' `TrainingArguments`) names: `--push_to_hub`,
`--hub_model_id REPO`, `--hub_token`, `--hub_private_repo`, `--hub_revision`, `--upload_retries`, and their
refusals, said before anything is read. Each command had its own flags (`--push-to-hub REPO`, `--private`) and
retries (the converter's 2, finetune.py's 5); their old spellings still work, with a warning.

The parser given spells each flag both ways (`flag_spellings.SpellingsArgumentParser`: `--push-to-hub` too); this
module imports none of it (the hub layer imports nothing of vivit_hf but `repo_id`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .upload import push_repo_refusal, push_revision_refusal, unpushed_flag_refusal, upload_command

logger = logging.getLogger(__name__)

# the flags that mean nothing without --push_to_hub, as `typed_flag_name` names them
PUSH_ONLY = ("hub_model_id", "hub_token", "hub_private_repo", "private", "upload_retries")


def add_push_flags(parser, *, repo_kind: str, revision_aliases: tuple[str, ...] = ()) -> None:
    """finetune.py's Hub flags on `parser`; `repo_kind`: what the repo holds ("model", "data set"), for `--help`.
    `revision_aliases`: a command's own names for `--hub_revision` (the converter's `--revision`, push_to_hub's
    `revision=`). `--push_to_hub REPO`, `--private` and the aliases, the spellings these commands had, still work,
    with a warning (`push_problem`)."""
    parser.add_argument(
        "--push_to_hub",
        nargs="?",
        const=True,
        default=False,
        metavar="REPO",
        help=f"upload the folder to the {repo_kind} repo --hub_model_id (default: the name of --out's folder), as "
        "finetune.py's --push_to_hub; `--push_to_hub REPO` is deprecated: give --push_to_hub --hub_model_id REPO",
    )
    parser.add_argument("--hub_model_id", default=None, help=f"the {repo_kind} repo --push_to_hub uploads to")
    parser.add_argument(
        "--hub_token", default=None, help="the token --push_to_hub uploads with (default: HF_TOKEN or hf auth login)"
    )
    parser.add_argument(
        "--hub_private_repo",
        "--private",
        action="store_true",
        help="make a new repo private (`--private` is deprecated: give --hub_private_repo)",
    )
    parser.add_argument(
        "--hub_revision",
        *revision_aliases,
        dest="hub_revision",
        default=None,
        help="the branch --push_to_hub uploads to (made from main when missing), as finetune.py's; default main",
    )
    parser.add_argument(
        "--upload_retries",
        type=retries,
        default=5,
        # the default said in the help: the converter's --help shows no parser's defaults
        help="how many times a failed upload is retried (exponential back-off), as finetune.py's "
        "(default: %(default)s)",
    )


def retries(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def push_problem(args: argparse.Namespace, typed: dict, *, upload_flags: tuple[str, ...] = ()) -> str | None:
    """What of the push flags cannot work, in argparse's words (None: all can), said before anything is read, as
    finetune.py says it (`missing_paths`): offline mode, a repo id the Hub refuses and a branch git refuses would
    fail only once the work is done (every shard written, the checkpoint converted); a push flag without
    `--push_to_hub` would push nothing. `typed`: the flags given, each as `typed_flag_name` names it -> as it was typed
    (`{"push_to_hub": "--push-to-hub"}`: a warning names the flag the user typed); `upload_flags`: those of the
    `hf upload` command that uploads `--out` by hand, which offline mode's refusal says (`--repo-type dataset`). Sets
    `args.hub_model_id` to the repo pushed to (default: `--out`'s folder's name, as finetune.py's `push_repo`); the
    deprecated spellings (`--push_to_hub REPO`, `--private`, the converter's `--revision`) are read as finetune.py's,
    with a warning."""
    if isinstance(args.push_to_hub, str):  # `--push_to_hub REPO`: these commands' spelling before finetune.py's
        if args.hub_model_id not in (None, args.push_to_hub):
            return (
                f"argument --push_to_hub: {args.push_to_hub!r} and --hub_model_id {args.hub_model_id!r} name two "
                "repos: give --push_to_hub --hub_model_id REPO"
            )
        # as typed: the converter's own spelling was `--push-to-hub REPO`, and the warning echoed `--push_to_hub`
        logger.warning(
            f"{typed.get('push_to_hub', '--push_to_hub')} {args.push_to_hub} is deprecated: give --push_to_hub "
            f"--hub_model_id {args.push_to_hub}, as finetune.py (and transformers' TrainingArguments) take it"
        )
        args.hub_model_id, args.push_to_hub = args.push_to_hub, True
    if "private" in typed:
        logger.warning(
            "--private is deprecated: give --hub_private_repo, as finetune.py (and transformers' TrainingArguments) "
            "take it"
        )
    revision_flag = "--revision" if "revision" in typed else "--hub_revision"  # as typed (the converter's alias)
    if "revision" in typed and args.push_to_hub and args.hub_revision is not None:
        # The converter's `--revision` names the branch pushed to, where from_pretrained's `revision=` (and every
        # recipe's `--model_revision`) names the revision read: a `--model` Hub id is read at main.
        logger.warning(
            f"{typed['revision']} is deprecated: give --hub_revision {args.hub_revision}; it names the branch the "
            "folder is pushed to, not a revision of the checkpoint read (that is read at main)"
        )
    if not args.push_to_hub:
        for name in PUSH_ONLY:
            if name in typed:
                return unpushed_flag_refusal(f"--{name}", "--push_to_hub")
        return push_revision_refusal(revision_flag, args.hub_revision, "--push_to_hub", False)
    if refusal := push_revision_refusal(revision_flag, args.hub_revision, "--push_to_hub", True):
        return refusal  # (a typo, said whatever the machine)
    named = "" if args.hub_model_id else f" (no --hub_model_id: the name of --out {args.out})"
    args.hub_model_id = args.hub_model_id or Path(args.out).absolute().name  # as finetune.py's `push_repo`
    by_hand = upload_command(
        args.hub_model_id, args.out, ".", *upload_flags, revision=args.hub_revision, private=args.hub_private_repo
    )
    return push_repo_refusal("--push_to_hub", args.hub_model_id, by_hand, named)  # the id, then offline mode
