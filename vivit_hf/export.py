# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Export any of the four models with `torch.export` (dynamic batch, and with `interpolate_pos_encoding` dynamic
frames and size) or to ONNX through the dynamo exporter, checked against the eager model with onnxruntime.

    python -m vivit_hf.export FOLDER_OR_HUB_ID model.onnx [--dynamic_size] [--attention_mask] [--features]

The exported graph takes `pixel_values` (batch, frames, channels, height, width) and, with `--attention_mask`,
`attention_mask` (batch, frames); it returns the classifier's `logits` (or with `--features` the backbone's pooled
embeddings). What it traces: every kernel as eager/sdpa run it (attention maps and attention rollout are not part of
the graph; the CPU fast path steps aside while exporting).
"""

from __future__ import annotations

import copy
import shlex
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from .flag_spellings import SpellingsArgumentParser
from .models import ViViTPreTrainedModel
from .repo_id import looks_like_repo_id, near_folder, offline_remedy, offline_switch
from .run_folder import model_folder_refusal


class ExportableViViT(nn.Module):
    """A ViViT model as a function of tensors only: `pixel_values` [, `attention_mask`] -> logits (or, with
    `features=True`, the pooled clip embeddings), with `interpolate_pos_encoding` fixed at build time. Building it
    puts `model` in eval mode (`export_program` and `export_onnx` restore the model's own modes after tracing)."""

    def __init__(self, model: ViViTPreTrainedModel, interpolate_pos_encoding: bool = False, features: bool = False):
        super().__init__()
        self.model = model.eval()
        self.interpolate_pos_encoding = interpolate_pos_encoding
        self.features = features or not hasattr(model, "classifier")
        self.eval()  # the wrapper too: torch.onnx.export warned "Exporting a model while it is in training mode"

    def forward(self, pixel_values: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        kwargs = {"attention_mask": attention_mask, "interpolate_pos_encoding": self.interpolate_pos_encoding}
        if self.features:
            return self.model.get_video_features(pixel_values, return_dict=True, **kwargs).pooler_output
        return self.model(pixel_values=pixel_values, return_dict=True, **kwargs).logits


def example_inputs(model: ViViTPreTrainedModel, dynamic_size: bool, attention_mask: bool, batch: int = 2):
    """Inputs to trace with. For a dynamic size they are deliberately not the trained size: a trace at the trained
    grid would take (and guard on) the path that skips resizing the position embeddings."""
    config = model.config
    frames, (height, width) = config.num_frames, config.image_size_hw
    if dynamic_size:
        kt, kh, kw = config.tubelet_size
        axes = dynamic_axes(model)
        frames, height, width = frames + kt * axes[1], height + kh * axes[3], width + kw * axes[4]
    inputs = (torch.randn(batch, frames, config.num_channels, height, width),)
    if attention_mask:
        mask = torch.ones(batch, frames, dtype=torch.long)
        mask[-1, frames // 2 :] = 0  # a padded clip, so the masked path is what gets traced
        inputs += (mask,)
    return inputs


def dynamic_frames(model: ViViTPreTrainedModel) -> bool:
    """Whether an export can take any frame count: not with uniform frame sampling, whose frames are picked in Python
    from the count (scenic's float32 rule, `uniform_frame_indices`), which no graph follows; its frame count stays
    the trained one, its height and width are dynamic."""
    return model.config.embedding_type != "frame_sampling"


def dynamic_axes(model: ViViTPreTrainedModel) -> dict[int, bool]:
    """Which axes of `pixel_values` (1 frames, 3 height, 4 width) a dynamic size makes dynamic: frames where
    `dynamic_frames` allows, and each axis only where the trained grid is more than one token deep along it. A dynamic
    axis takes two tokens or more (torch.export specialises sizes 0 and 1: the program guards on `size >= 2` tokens),
    so a model one token deep along an axis (`num_frames` == the tubelet's frames: one temporal token) refused its own
    size ("Guard failed: pixel_values.size()[1] >= 4"; in onnxruntime Model 2's graph failed in a GatherND): that
    axis keeps its trained size, as uniform frame sampling keeps its frame count."""
    config = model.config
    (kt, kh, kw), (height, width) = config.tubelet_size, config.image_size_hw
    return {1: dynamic_frames(model) and config.num_frames // kt > 1, 3: height // kh > 1, 4: width // kw > 1}


def static_axes_note(model: ViViTPreTrainedModel) -> str | None:
    """What `dynamic_axes` keeps at the trained size and why, for the command to say (None: every axis is dynamic)."""
    config = model.config
    (kt, kh, kw), (height, width) = config.tubelet_size, config.image_size_hw
    axes, deep = dynamic_axes(model), {1: (config.num_frames, kt), 3: (height, kh), 4: (width, kw)}
    names = {1: "frames", 3: "height", 4: "width"}
    one_token = [
        f"{names[axis]} ({deep[axis][0]}, tubelet {deep[axis][1]})"
        for axis in (1, 3, 4)
        if not axes[axis] and (axis != 1 or dynamic_frames(model))
    ]
    if not one_token:
        return None
    return (
        f"one token deep along {', '.join(one_token)}: a dynamic axis takes two tokens or more (torch.export), so "
        "these keep the trained size"
    )


def mask_refusal(model: ViViTPreTrainedModel, attention_mask: bool) -> str | None:
    """Why `model` cannot be exported with an `attention_mask` input (to follow its name), or None. Uniform frame
    sampling takes no padding, and a traced mask's values cannot be read to see that nothing is padded, so the model
    refuses any mask under tracing: the export failed in a traceback about padded frames the user never gave."""
    if not attention_mask or model.config.embedding_type != "frame_sampling":
        return None
    return (
        f"takes no attention_mask: it samples {model.config.num_sampled_frames} frames uniformly "
        "(embedding_type='frame_sampling') over the whole clip, padding included. Export it without "
        "--attention_mask (attention_mask=False) and give it clips of its frame count."
    )


def dynamic_shapes(model: ViViTPreTrainedModel, dynamic_size: bool, attention_mask: bool) -> tuple:
    """The batch is dynamic; with `dynamic_size` frames, height and width too, where `dynamic_axes` allows."""
    batch = torch.export.Dim("batch", min=1, max=1024)
    axes = dynamic_axes(model) if dynamic_size else {}
    any_frames = axes.get(1, False)
    pixels = {0: batch, **{axis: torch.export.Dim.AUTO for axis, dynamic in axes.items() if dynamic}}
    shapes = (pixels,)
    if attention_mask:
        shapes += ({0: batch, 1: torch.export.Dim.AUTO} if any_frames else {0: batch},)
    return shapes


@contextmanager
def modes_kept(model: nn.Module):
    """Trace in eval mode, then give each module of `model` back the mode it had: exporting mid-training (a callback
    exporting each checkpoint) must not leave the model in eval mode, training on without dropout or stochastic
    depth."""
    modes = [(module, module.training) for module in model.modules()]
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def export_program(
    model: ViViTPreTrainedModel, dynamic_size: bool = False, attention_mask: bool = False, features: bool = False
) -> torch.export.ExportedProgram:
    """`torch.export` of `ExportableViViT(model)`: dynamic batch, and with `dynamic_size` dynamic frames, height
    and width (positions resized as `interpolate_pos_encoding=True`)."""
    if refusal := mask_refusal(model, attention_mask):
        raise ValueError(f"{type(model).__name__} {refusal}")
    inputs = example_inputs(model, dynamic_size, attention_mask)
    # No size-oblivious tracing (`torch.fx.experimental._config.backed_size_oblivious`): on torch 2.11 it made SDPA
    # with the frame mask (Models 1 and 2, every size) guard on `batch != 1`, so the export itself failed
    # ("Constraints violated (batch)! ... generated guard L['pixel_values'].size()[0] != 1"); it was there for Models
    # 3 and 4 with a dynamic size, whose `(b s)` / `(b t)` folds guarded on the example batch of 2 while the tubelet
    # embedding cropped and reshaped; it takes tubelets with unfold since (9771f8d) and no variant needs it on torch
    # 2.11 or 2.14 (test_torch_export_with_dynamic_size_and_a_mask_takes_one_clip runs one clip).
    with modes_kept(model):
        module = ExportableViViT(model, interpolate_pos_encoding=dynamic_size, features=features)
        return torch.export.export(
            module, inputs, dynamic_shapes=dynamic_shapes(model, dynamic_size, attention_mask), strict=False
        )


def export_onnx(
    model: ViViTPreTrainedModel,
    path: str | Path,
    dynamic_size: bool = False,
    attention_mask: bool = False,
    features: bool = False,
    opset_version: int = 18,
):
    """ONNX through the dynamo exporter (`torch.onnx.export(..., dynamo=True)`, which needs `onnxscript`)."""
    if not _has_onnxscript():  # torch's own error said "No module named 'onnxscript'", not what to install
        raise ImportError(f"writing {Path(path).name} (ONNX) {ONNXSCRIPT_NEEDED}")
    if refusal := mask_refusal(model, attention_mask):
        raise ValueError(f"{type(model).__name__} {refusal}")
    inputs = example_inputs(model, dynamic_size, attention_mask)
    names = ["pixel_values", "attention_mask"][: len(inputs)]
    with modes_kept(model), warnings.catch_warnings():
        # The mask shares the pixels' `batch` Dim, and torch's exporter warns of the second use of a name that it keeps:
        # "The axis name: batch will not be used, since it shares the same shape constraints with another axis:
        # batch" (the graph's inputs and logits are named `batch`). Only that self-contradicting warning is silenced.
        warnings.filterwarnings("ignore", r"# The axis name: (\w+) will not be used, .* another axis: \1\.$")
        module = ExportableViViT(model, interpolate_pos_encoding=dynamic_size, features=features)
        program = torch.onnx.export(
            module,
            inputs,
            dynamo=True,
            dynamic_shapes=dynamic_shapes(model, dynamic_size, attention_mask),
            input_names=names,
            output_names=["embeddings" if module.features else "logits"],
            opset_version=opset_version,
        )
    program.save(str(path))
    return program


def check_onnx(
    model: ViViTPreTrainedModel,
    path: str | Path,
    inputs: tuple,
    features: bool = False,
    eager: torch.Tensor | None = None,
) -> float:
    """The largest absolute difference between onnxruntime's outputs for `inputs` and the eager model's (`eager`, where
    the caller ran it already: `main` shares one run with `allowed_difference`)."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {arg.name: tensor.numpy() for arg, tensor in zip(session.get_inputs(), inputs)}
    (got,) = session.run(None, feeds)
    eager = _eager(model, inputs, features) if eager is None else eager
    return float((torch.from_numpy(got) - eager).abs().max())


def _eager(model: ViViTPreTrainedModel, inputs: tuple, features: bool) -> torch.Tensor:
    interpolate = tuple(inputs[0].shape[1:]) != (
        model.config.num_frames,
        model.config.num_channels,
        *model.config.image_size_hw,
    )
    # the eval forward, each module's mode given back: `check_onnx` on a model mid-training (a callback checking each
    # exported checkpoint) left it in eval mode, so training went on without dropout or stochastic depth
    with torch.no_grad(), modes_kept(model):
        return ExportableViViT(model, interpolate, features)(*inputs).float()


def allowed_difference(
    model: ViViTPreTrainedModel, inputs: tuple, features: bool = False, eager: torch.Tensor | None = None
) -> tuple[float, float]:
    """The difference from the eager model a sound graph stays within (1e-3), and in half precision what the dtype's
    own rounding costs on `inputs` (the eager model against its weights computed in float32), that rounding: a graph
    as close to float32 as the eager model is lies within twice it of the eager model. One float16 ulp of pooled
    features near 3 is 2e-3: a sound float16 graph (`--dtype float16 --features`) exited 1 at 1e-3. `eager`: the eager
    model's outputs on `inputs`, where the caller has them (`check_onnx`'s)."""
    if model.dtype == torch.float32:
        return 1e-3, 0.0
    upcast = copy.deepcopy(model).float()
    eager = _eager(model, inputs, features) if eager is None else eager
    rounding = float((eager - _eager(upcast, inputs, features)).abs().max())
    return max(1e-3, 2 * rounding), rounding


ONNXSCRIPT_NEEDED = (
    "needs onnxscript, which torch's dynamo exporter uses: pip install onnxscript onnxruntime (onnxruntime checks the "
    "file; both are in vivit_hf's `test` extra)"
)


def _has_onnxscript() -> bool:
    try:
        import onnxscript  # noqa: F401
    except ImportError:
        return False
    return True


def load_model(source: str, dtype: str | None = None) -> ViViTPreTrainedModel:
    """A saved folder or Hub id of any of the four models: the classifier, or the backbone (`*Model`) it holds; in
    `dtype`, else in the checkpoint's own (as `from_pretrained` loads it)."""
    # The four models are registered with the Auto classes: importing this module imported the package.
    from transformers import AutoModel, AutoModelForVideoClassification

    loading = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    try:
        return AutoModelForVideoClassification.from_pretrained(source, **loading)
    except ValueError:  # no video-classification class for this config: the backbone (or AutoModel's own error)
        return AutoModel.from_pretrained(source, **loading)


def onnxruntime_cannot_run(model: ViViTPreTrainedModel, error: Exception) -> bool:
    """onnxruntime's CPU provider has no kernel for some ops in a half-precision graph (bfloat16 `Gemm`: "Could not
    find an implementation for Gemm(13)"): the file is sound, only unchecked. In float32 that would be a bug."""
    from onnxruntime.capi.onnxruntime_pybind11_state import NotImplemented as KernelNotImplemented

    return model.dtype != torch.float32 and isinstance(error, KernelNotImplemented)


def not_ours(model, source: str) -> str:
    """What a model transformers loaded from `source` is, where it is none of the four: transformers' own ViViT (its
    folder loads as `VivitForVideoClassification`) failed in a traceback ("'VivitConfig' object has no attribute
    'image_size_hw'"), as did any other video classifier."""
    what = f"a {type(model).__name__} (model_type {model.config.model_type!r}), not one of vivit_hf's four models"
    if model.config.model_type == "vivit":
        # the command to run on the user's own folder or Hub id, not a template with PATH to fill in
        convert = f"python -m vivit_hf.convert transformers --model {shlex.quote(source)} --out FOLDER"
        return f"{what}: convert it first ({convert})"
    return f"{what}, which are what this command exports"


def not_in_cache() -> str:
    """Why a Hub id gave no model in offline mode, in the hub's words (`why_not_fetched`)."""
    cause = f"offline mode is on ({offline_switch()})"
    return f"read as a Hub id, {cause} and it is not in the local cache: {offline_remedy()}"


def source_problem(source: str) -> str | None:
    """Why the Hub id `source` can give no model, seen before anything is loaded or imported for the export
    (onnxscript, and onnx with it, cost seconds that a typo paid): its config not in the cache in offline mode; None
    where it may load (`why_not_loaded` says why it did not). A path is `model_folder_refusal`'s, asked first, which
    lets through only a model's folder as typed: of `~/run` typed where `./~/run` holds one and `$HOME/run` nothing,
    the folder from_pretrained loads (it expands no `~`), this said "no such folder", having expanded the `~`."""
    if not looks_like_repo_id(source) or Path(source).exists():
        return None
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.constants import is_offline_mode

    if not is_offline_mode():
        return None
    try:
        cached = try_to_load_from_cache(source, "config.json")
    except ValueError:  # an id the cache does not take: from_pretrained says why
        return None
    return None if isinstance(cached, str) else not_in_cache()


def why_not_loaded(source: str, error: Exception) -> str:
    """Why `source` gave no model: a Hub id not in the cache in offline mode (its config is, a weights file not), else
    transformers' message. (A path that is not there is refused earlier, by `model_folder_refusal`.)"""
    from huggingface_hub.constants import is_offline_mode

    if looks_like_repo_id(source) and not Path(source).exists() and is_offline_mode():
        return not_in_cache()
    return " ".join(str(error).split())


def output_problem(output: Path) -> str | None:
    """Why the file `output` cannot be written (None: it can): it is a folder, or a folder above it is a file (a
    FileExistsError traceback once the model had loaded; for a folder, torch's error after the whole export)."""
    if output.is_dir():
        return f"{output} is a folder; give the file to write (model.onnx, model.pt2)"
    above = next((folder for folder in output.absolute().parents if folder.exists() or folder.is_symlink()), None)
    if above is not None and not above.is_dir():
        return f"{output}: {above} is a file, not a folder"
    return None


def main(argv=None) -> int:
    parser = SpellingsArgumentParser(prog="python -m vivit_hf.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a saved folder or Hub id of any of the four models")
    parser.add_argument("output", help="the .onnx file to write (or a .pt2 file: torch.export's program)")
    parser.add_argument("--dynamic_size", action="store_true", help="dynamic frames, height and width too")
    parser.add_argument("--attention_mask", action="store_true", help="take an attention_mask (batch, frames)")
    parser.add_argument("--features", action="store_true", help="return pooled clip embeddings, not logits")
    parser.add_argument(
        "--dtype",
        choices=["float32", "bfloat16", "float16"],
        help="the weights' dtype in the graph (default: the checkpoint's own)",
    )
    args = parser.parse_args(argv)
    output = Path(args.output)
    if output.suffix not in (".onnx", ".pt2"):  # `model.txt` was written as ONNX, `model` too
        parser.error(f"{args.output}: the output's name ends in .onnx (ONNX) or .pt2 (torch.export's program)")
    if problem := output_problem(output):
        parser.error(problem)
    # What the user gave does not fit: one line, argparse's exit code, before the model loads. Anything else is a bug
    # and keeps its traceback (as `python -m vivit_hf.convert`).
    # a stopped run's folder, or one without config.json: "Unrecognized model in <folder>"; a path not here: in the
    # recipes' words (it said "is not a model folder or Hub id that loads: no such folder (and not spelt as ...)")
    if refusal := model_folder_refusal("model", args.model):
        print(f"{parser.prog}: error: {refusal}", file=sys.stderr)
        return 2
    if refusal := source_problem(args.model):  # before onnxscript's import (onnx with it: seconds) for a typo
        near = f"; a folder here has a near name: {name}" if (name := near_folder(args.model, model=True)) else ""
        print(
            f"{parser.prog}: error: {args.model} is not a model folder or Hub id that loads: {refusal}{near}",
            file=sys.stderr,
        )
        return 2
    if output.suffix != ".pt2" and not _has_onnxscript():
        print(
            f"{parser.prog}: error: writing {output.name} (ONNX) {ONNXSCRIPT_NEEDED}, or write a .pt2 file "
            "(torch.export) instead",
            file=sys.stderr,
        )
        return 2
    try:
        model = load_model(args.model, args.dtype).eval()
    except (OSError, ValueError) as error:  # no such folder or Hub id, no config, not a model transformers knows
        message = why_not_loaded(args.model, error)
        print(
            f"{parser.prog}: error: {args.model} is not a model folder or Hub id that loads: {message}", file=sys.stderr
        )
        return 2
    if not isinstance(model, ViViTPreTrainedModel):
        print(f"{parser.prog}: error: {args.model} is {not_ours(model, args.model)}", file=sys.stderr)
        return 2
    if refusal := mask_refusal(model, args.attention_mask):
        print(f"{parser.prog}: error: {args.model} {refusal}", file=sys.stderr)
        return 2
    output.parent.mkdir(parents=True, exist_ok=True)  # torch refused a missing folder only after the export
    if args.dynamic_size and not dynamic_frames(model):
        print(f"{args.model} samples its frames uniformly: dynamic height and width, {model.config.num_frames} frames")
    if args.dynamic_size and (note := static_axes_note(model)):
        print(f"{args.model} is {note}")
    if output.suffix == ".pt2":
        torch.export.save(export_program(model, args.dynamic_size, args.attention_mask, args.features), output)
        print(f"wrote {output}")
        return 0
    export_onnx(model, output, args.dynamic_size, args.attention_mask, args.features)
    inputs = example_inputs(model, args.dynamic_size, args.attention_mask, batch=3)
    eager = _eager(model, inputs, args.features)  # the reference of the check and of the half-precision bound
    try:
        error = check_onnx(model, output, inputs, args.features, eager)
    except ImportError:
        print(f"wrote {output} (onnxruntime is not installed: not checked)")
        return 0
    except Exception as error:  # a bfloat16 checkpoint's graph failed here in a traceback, the file written
        if not onnxruntime_cannot_run(model, error):
            raise
        reason, dtype = str(error).splitlines()[0], str(model.dtype).removeprefix("torch.")
        print(
            f"wrote {output} ({dtype} weights); onnxruntime's CPU provider cannot run it ({reason}): not checked. "
            "--dtype float32 writes a graph it runs, checked against the eager model"
        )
        return 0
    allowed, rounding = allowed_difference(model, inputs, args.features, eager)
    dtype = f" ({str(model.dtype).removeprefix('torch.')} weights, whose rounding costs {rounding:.2e})"
    print(f"wrote {output}; onnxruntime against eager, max abs difference {error:.2e}{dtype if rounding else ''}")
    return 0 if error < allowed else 1


if __name__ == "__main__":
    sys.exit(main())
