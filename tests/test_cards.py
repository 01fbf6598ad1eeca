# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The model card: ``dataset.type`` is a Hub id, never a path on the machine that trained; no path of that machine (a
data set, a converted checkpoint, an initial ViT) anywhere in it; Markdown that renders as meant."""

import json

import pytest
import yaml
from huggingface_hub.repocard import metadata_load
from huggingface_hub.repocard_data import model_index_to_eval_results
from test_models import SMALLEST

from vivit_hf import ViViTSpatioTemporalConfig
from vivit_hf.hub.cards import build_model_card

CONFIG = ViViTSpatioTemporalConfig(**SMALLEST, num_labels=2)


def markdown_table_rows(text: str) -> list[list[str]]:
    """The cells of each row of the tables in `text`, as a markdown reader reads them (markdown-it, GFM's tables;
    transformers' CLI installs it): unescaped, a `<br>` a line break."""
    import html

    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": True}).enable("table")
    rows, row = [], None
    for token in markdown.parse(text):
        if token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            cell = markdown.renderer.render(token.children, markdown.options, {})
            row.append(html.unescape(cell.replace("<br>", "\n")))
        elif token.type == "tr_close":
            rows.append(row)
            row = None  # (a heading after a table is no cell of its last row)
    return rows


def card_metadata(card):
    return yaml.safe_load(card.content.split("---")[1])


def test_a_local_folder_is_named_by_its_folder_name_not_its_path(tmp_path):
    folder = tmp_path / "home" / "me" / "my_clips"
    folder.mkdir(parents=True)
    card = build_model_card(CONFIG, results={"top1": 0.5, "top5": 1.0}, dataset_name=str(folder), eval_split="test")
    metadata = card_metadata(card)
    dataset = metadata["model-index"][0]["results"][0]["dataset"]
    assert dataset == {"type": "my_clips", "name": "my_clips", "split": "test"}
    assert "datasets" not in metadata
    # Nowhere in the card, text included: a path says nothing to a reader and leaks the trainer's file system.
    assert str(tmp_path) not in card.content


def test_a_local_path_given_as_the_hub_id_is_not_written_as_one(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    card = build_model_card(CONFIG, results={"top1": 0.5}, dataset_name="my data", dataset_id=str(folder))
    metadata = card_metadata(card)
    assert "datasets" not in metadata
    assert metadata["model-index"][0]["results"][0]["dataset"]["type"] == "my-data"
    assert str(tmp_path) not in card.content


def test_a_hub_dataset_is_its_id():
    card = build_model_card(
        CONFIG,
        results={"top1": 0.5},
        dataset_name="Kinetics-400",
        dataset_id="someone/kinetics400",
        eval_split="validation",
    )
    metadata = card_metadata(card)
    assert metadata["datasets"] == ["someone/kinetics400"]
    assert metadata["model-index"][0]["results"][0]["dataset"] == {
        "type": "someone/kinetics400",
        "name": "Kinetics-400",
        "split": "validation",
    }


def fences(markdown: str) -> list[str]:
    """The lines that open or close a fenced code block, as CommonMark reads them: a closing fence is backticks and
    nothing else, so a line starting with ``` and followed by more (```.) closes nothing."""
    return [line for line in markdown.splitlines() if line.startswith("```")]


def test_a_converted_card_closes_its_command_block():
    """The conversion command's block closed with "```." (the sentence's full stop after the fence), which is no
    closing fence: on the Hub the rest of the card (model, preprocessing, the usage example) showed as one code
    block."""
    command = "python -m vivit_hf.convert transformers --model vivit-tf --out vivit-b-k400"
    card = build_model_card(CONFIG, converted_from="vivit-tf", command=command)
    opened = fences(card.content)
    assert opened == ["```bash", "```", "```python", "```"], opened
    assert f"```bash\n{command}\n```\n" in card.content
    assert "## Use" not in card.content.split("```bash")[1].split("```")[0]


def test_a_converted_card_names_local_checkpoints_by_their_names_not_their_paths(tmp_path):
    """A conversion from `/home/me/...` wrote that path twice into the card that is pushed to the Hub (in the sentence
    and in the command), which data set paths never are: cut to the file or folder name; Hub ids and flags stay."""
    checkpoint = tmp_path / "home" / "me" / "ckpt"
    checkpoint.mkdir(parents=True)
    config_file = tmp_path / "configs" / "vivit_base_k400.py"
    command = (
        f"python -m vivit_hf.convert scenic --checkpoint {checkpoint} --config={config_file} --out 'my out'"
        " --push-to-hub me/vivit-b"
    )
    card = build_model_card(CONFIG, converted_from=str(checkpoint), command=command)
    assert str(tmp_path) not in card.content
    assert "converted from `ckpt`" in card.content
    want = "python -m vivit_hf.convert scenic --checkpoint ckpt --config=vivit_base_k400.py --out 'my out'"
    assert f"{want} --push-to-hub me/vivit-b\n" in card.content
    hub = build_model_card(CONFIG, converted_from="google/vivit-b-16x2-kinetics400", command="python -m x")
    assert "converted from `google/vivit-b-16x2-kinetics400`" in hub.content


def test_a_local_initial_vit_is_named_by_its_name_not_its_path(tmp_path):
    vit = tmp_path / "home" / "me" / "vit-base"
    vit.mkdir(parents=True)
    card = build_model_card(CONFIG, base_model=str(vit), results={"top1": 0.5}, dataset_name="d", eval_split="test")
    assert str(tmp_path) not in card.content and "- Initialised from: vit-base" in card.content


def test_a_top_k_of_k_classes_or_fewer_is_no_result_in_the_model_index():
    """Top-5 of a 2-class model is 1.0 whatever it predicts: the model-index (what the Hub shows) wrote it as a
    result, "top-5 accuracy 100.0"; it now holds top-1 alone, and the card's table says why top-5 is 1."""
    card = build_model_card(CONFIG, results={"top1": 0.5, "top5": 1.0}, dataset_name="clips", eval_split="test")
    metrics = card_metadata(card)["model-index"][0]["results"][0]["metrics"]
    assert [metric["name"] for metric in metrics] == ["top-1 accuracy (1 clip x 1 crop)"]
    assert "| top5 | 1.0000 (only 2 classes: every clip is in the top 5) |" in card.content
    card = build_model_card(
        ViViTSpatioTemporalConfig(num_labels=6),
        results={"top1": 0.5, "top5": 0.9},
        dataset_name="clips",
        eval_split="test",
    )
    names = [metric["name"] for metric in card_metadata(card)["model-index"][0]["results"][0]["metrics"]]
    assert names == ["top-1 accuracy (1 clip x 1 crop)", "top-5 accuracy (1 clip x 1 crop)"]


def test_the_recipe_table_lists_what_trained_momentum_only_with_sgd_and_the_total_batch():
    """The card of an AdamW run listed `momentum 0.9` (the flag's default, SGD's) as a setting of its training; and
    with per-device batch and accumulation alone, the total batch (processes included: the paper's 64) was not there,
    nor the process count (Trainer's card: `num_devices`)."""
    recipe = dict(optimizer="adamw", momentum=0.9, learning_rate=1e-3, per_device_train_batch_size=8)
    recipe.update(gradient_accumulation_steps=2, effective_total_batch_size=64)
    card = build_model_card(CONFIG, results={"top1": 0.5}, dataset_name="d", eval_split="test", training_args=recipe)
    assert "| momentum |" not in card.content and "| effective_total_batch_size | 64 |" in card.content
    # the processes between per-device batch and total, under the name transformers' Trainer's card gives them
    recipe.update(num_devices=4, mixed_precision="bf16")
    card = build_model_card(CONFIG, results={"top1": 0.5}, dataset_name="d", eval_split="test", training_args=recipe)
    rows = [row for row in card.content.splitlines() if row.startswith("| ")]
    assert rows.index("| num_devices | 4 |") == rows.index("| per_device_train_batch_size | 8 |") + 1, rows
    assert "| mixed_precision | bf16 |" in rows
    recipe["optimizer"] = "sgd"
    card = build_model_card(CONFIG, results={"top1": 0.5}, dataset_name="d", eval_split="test", training_args=recipe)
    assert "| momentum | 0.9 |" in card.content
    # --hidden_dropout_prob (the main job's preset synthetic_motion sets 0.1) had no row where drop_path_rate had one
    recipe.update(drop_path_rate=0.1, hidden_dropout_prob=0.1)
    card = build_model_card(CONFIG, results={"top1": 0.5}, dataset_name="d", eval_split="test", training_args=recipe)
    assert "| drop_path_rate | 0.1 |\n| hidden_dropout_prob | 0.1 |" in card.content
    recipe["hidden_dropout_prob"] = None
    card = build_model_card(CONFIG, results={"top1": 0.5}, dataset_name="d", eval_split="test", training_args=recipe)
    assert "hidden_dropout_prob" not in card.content
    # a total batch above the training set's clips: what each step trained with (it said 64 of a set of 11)
    card = build_model_card(
        CONFIG, results={"top1": 0.5}, dataset_name="d", eval_split="test", training_args=recipe, train_clips=11
    )
    assert "| effective_total_batch_size | 11 (64 asked: the training set holds 11 clips, " in card.content


def test_the_recipe_and_results_tables_keep_a_bar_or_line_break_in_their_cells():
    """A head named `in|out` made its results row three cells (`| in | out_top1 | 0.5000 |`: the value under no
    header), and a preset `a|b` or a value with a line break broke the recipe's row likewise: escaped now, as the shard
    tool's Classes table is (`table_cell`); read back by markdown-it (GFM tables) as the reference."""
    config = ViViTSpatioTemporalConfig(num_labels=7, label_spaces={"in|out": 3, "verb": 4})
    recipe = dict(preset="a|b", optimizer="adamw", color_jitter="x\ny")
    results = {"in|out_top1": 0.5, "verb_top1": 0.25}
    rows = markdown_table_rows(
        build_model_card(config, results=results, eval_split="test", training_args=recipe).content
    )
    assert ["preset", "a|b"] in rows and ["color_jitter", "x\ny"] in rows, rows
    assert ["in|out_top1", "0.5000"] in rows and ["verb_top1", "0.2500"] in rows, rows
    assert all(len(row) == 2 for row in rows), rows


def markdown_blocks(text: str) -> list[tuple[str, str, str]]:
    """(block, its text, its HTML) of each line of prose in `text` (a heading's `h2`, a bullet's `li`), as
    markdown-it reads it: the text without its markup, a `<br>` a line break."""
    import html
    import re

    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": True}).enable("table")
    blocks, opened = [], []
    for token in markdown.parse(text):
        if token.nesting == 1:
            opened.append(token.tag)
        elif token.nesting == -1:
            opened.pop()
        elif token.type == "inline":
            rendered = markdown.renderer.render(token.children, markdown.options, {})
            plain = html.unescape(re.sub(r"<(?!br>)[^>]*>", "", rendered).replace("<br>", "\n"))
            blocks.append((next((tag for tag in reversed(opened) if tag in ("li", "h1", "h2")), ""), plain, rendered))
    return blocks


@pytest.mark.parametrize(
    "train, evaluated, said",
    [
        ("train", "train (held out 10%)", "train (all but the 10% held out for evaluation)"),
        (
            "train",
            "train (held out 12.5%) (3 of its 9 clips: --max_eval_samples)",
            "train (all but the 12.5% held out for evaluation)",
        ),
        ("train", "test", "train`"),  # nothing held out
        ("train (4 of the 90 clips not held out: --max_train_samples)", "train (held out 10%)", "train (4 of the 90"),
    ],
    ids=["held-out", "held-out-subset-scored", "a-split-of-its-own", "a-training-subset"],
)
def test_the_card_says_the_share_of_the_training_split_held_out_for_evaluation(train, evaluated, said):
    """A run evaluated on a share of its training split (--validation_split_percentage, or the default hold-out of a
    data set without an evaluation split) trained on the rest: its card said "trained on split `train`"."""
    card = build_model_card(CONFIG, results={"top1": 0.5}, dataset_name="d", train_split=train, eval_split=evaluated)
    for line in ("(split `", "trained on split `"):
        assert f"{line}{said}" in card.content and card.content.count("held out for evaluation") == 2 * (
            "held out for" in said
        )


def test_a_data_set_or_split_name_with_markdown_in_it_reads_back_as_it_is():
    """The Data section's bullet and the Results heading wrote the data set and split names as they are, where the
    tables escape theirs (`table_cell`): `my_*data*` read as emphasis, `[x](y)` as a link, a backtick ended the code
    span, and a line break ended the bullet (`# x` after it a heading of its own). Read back by markdown-it."""
    name, config, train, test = "my_*data* [x](y)\n# x", "a`b", "tr_ain*", "``te`st\n- y"
    card = build_model_card(
        CONFIG,
        results={"top1": 0.5, "num_samples": 3, "num_skipped": 1},
        dataset_name=name,
        dataset_config=config,
        train_split=train,
        eval_split=test,
        classes_never_trained={"<b>&c_": 2},
    ).content
    blocks = markdown_blocks(card)
    assert [text for tag, text, _ in blocks if tag == "h2"] == [
        "Model",
        "Data",
        f"Results ({test}, 1 clip x 1 crop)",
        "Use",
    ]
    data = [(text, rendered) for tag, text, rendered in blocks if tag == "li" and text.startswith("Data set: ")]
    said = f"Data set: {name}, configuration {config}; trained on split {train}, evaluated on split {test}"
    assert [text for text, _ in data] == [said], blocks
    assert not any(tag in data[0][1] for tag in ("<em>", "<strong>", "<a ")), data[0][1]
    texts = [text for _, text, _ in blocks]
    assert (
        f"Unreadable clips: 1 of the 4 clips of split {test} could not be decoded; the results are of the other 3"
        in texts
    )
    assert any(
        text.startswith("Never trained on (1 class, every training clip unreadable): <b>&c_ (2 clips).")
        for text in texts
    ), texts


def test_a_trivial_top_k_names_the_heads_class_count_and_k():
    """The table said `top5 | 1.0000 (k classes or fewer: every clip)`, a letter where the numbers belong; each head
    of a model with label spaces names its own (here 3 verbs, 4 nouns; the action head has 12 and is a result)."""
    config = ViViTSpatioTemporalConfig(num_labels=7, label_spaces={"verb": 3, "noun": 4})
    results = {"verb_top1": 0.5, "verb_top5": 1.0, "noun_top5": 1.0, "action_top5": 0.75}
    rows = build_model_card(config, results=results, eval_split="test").content.splitlines()
    assert "| verb_top5 | 1.0000 (only 3 classes: every clip is in the top 5) |" in rows
    assert "| noun_top5 | 1.0000 (only 4 classes: every clip is in the top 5) |" in rows
    assert "| action_top5 | 0.7500 |" in rows


def test_one_test_view_is_not_said_to_be_averaged():
    """With 1 clip x 1 crop the card said "logits averaged (paper §4.1)": there is one view and nothing to average."""
    card = build_model_card(CONFIG, results={"top1": 0.5}, eval_split="test", num_views=(1, 1)).content
    assert "- Test views: 1 clip x 1 crop, one view per video, no averaging" in card.splitlines()
    assert "averaged" not in card.split("## Data")[1].split("## Use")[0]
    card = build_model_card(CONFIG, results={"top1": 0.5}, eval_split="test", num_views=(4, 3)).content
    assert "- Test views: 4 clips x 3 crops, logits averaged (paper §4.1)" in card.splitlines()


@pytest.mark.parametrize(
    ("sizes", "model", "labels"),
    [
        (dict(num_hidden_layers=1, num_attention_heads=1, num_labels=1), "1 layer, 1 head,", "labels: 1 class"),
        (dict(num_hidden_layers=2, num_attention_heads=2, num_labels=2), "2 layers, 2 heads,", "labels: 2 classes"),
    ],
)
def test_the_model_lines_count_one_layer_head_or_class_in_the_singular(sizes, model, labels):
    """The card said "1 layers, 1 heads" and "labels: 1 classes" of a model of one."""
    lines = build_model_card(ViViTSpatioTemporalConfig(**{**SMALLEST, "hidden_size": 8, **sizes})).content
    lines = lines.split("## Model")[1].splitlines()
    assert any(model in line for line in lines) and any(line.endswith(labels) for line in lines), lines


def test_a_resumed_trainings_recipe_shows_what_each_step_trained_with():
    """The recipe table showed the last command's flags: a finished run resumed with `--do_flip true` trains no step,
    and its card said `do_flip True`. With the runs that trained (`training_runs`) it shows each setting's values and
    the step a resume changed it after; a run that trained no step is not among them."""
    from vivit_hf.hub.cards import recipe_settings

    first = dict(optimizer="adamw", learning_rate=1e-3, do_flip=False, max_train_steps=8, seed=0, hub_token="secret")
    later = {**first, "learning_rate": 1e-2, "max_train_steps": 16}
    last_command = {**later, "do_flip": True}  # resumed after step 16 with --do_flip true, trained nothing more
    assert "hub_token" not in recipe_settings(first)  # only what the table shows is recorded
    runs = [
        {"first_step": 0, "settings": recipe_settings(first)},
        {"first_step": 8, "settings": recipe_settings(later)},
    ]
    card = build_model_card(
        CONFIG, results={"top1": 0.5}, eval_split="test", training_args=last_command, training_runs=runs
    ).content.splitlines()
    assert "| do_flip | False |" in card
    assert "| learning_rate | 0.001, then 0.01 after step 8 (resumed) |" in card
    assert "| max_train_steps | 8, then 16 after step 8 (resumed) |" in card
    assert "| seed | 0 |" in card and "| optimizer | adamw |" in card
    # without runs (a card built from one command's flags): those flags, as before
    alone = build_model_card(CONFIG, results={"top1": 0.5}, eval_split="test", training_args=last_command).content
    assert "| do_flip | True |" in alone.splitlines() and "resumed" not in alone


def test_a_fine_tuned_card_says_which_clips_were_unreadable_and_which_classes_never_trained(tmp_path):
    """`bird`'s 2 training clips are junk, and so is one test clip: the card reported the accuracy and nothing of
    them (all_results.json alone recorded `train_classes_never_trained` and the skipped counts). It now says each,
    with the counts the data set has: the accuracy is of 5 of 6 test clips, bird was never trained on."""
    from test_recipes_finetune import FINETUNE, TINY_MODEL, run, tiny_clip

    data = tmp_path / "data"
    for label, name in enumerate(("up", "down")):
        for i in range(2):
            tiny_clip(data / "train" / name / f"{i}.mp4", label, seed=10 * label + i)
            tiny_clip(data / "test" / name / f"{i}.mp4", label, seed=100 + 10 * label + i)
    for i in range(2):
        (data / "train" / "bird").mkdir(exist_ok=True)
        (data / "train" / "bird" / f"{i}.mp4").write_bytes(b"junk")
    tiny_clip(data / "test" / "bird" / "0.mp4", 0, seed=7)
    (data / "test" / "down" / "broken.mp4").write_bytes(b"\x00" * 64)
    out = tmp_path / "out"
    run(FINETUNE, "--dataset", data, "--output_dir", out, "--num_train_epochs", "1", *TINY_MODEL)
    results = json.loads((out / "all_results.json").read_text())
    assert results["train_classes_never_trained"] == {"bird": 2} and results["train_skipped_clips"] == 2
    assert results["num_skipped"] == 1 and results["num_samples"] == 5
    card = (out / "README.md").read_text()
    data_section = card.split("## Data")[1].split("\n## ")[0]
    said = "- Unreadable clips: 1 of the 6 clips of split `test` could not be decoded; the results are of the other 5"
    assert said in data_section, data_section
    assert "- Unreadable training clips: skipped 2 times" in data_section, data_section
    assert "- Never trained on (1 class, every training clip unreadable): bird (2 clips)." in data_section


def test_a_card_without_unreadable_clips_says_nothing_of_them():
    card = build_model_card(CONFIG, results={"top1": 0.5, "num_skipped": 0, "num_samples": 8}, eval_split="test")
    assert "Unreadable" not in card.content and "Never trained" not in card.content


def test_the_model_index_names_the_configuration_and_revision_evaluated(tmp_path):
    """UCF101's official split 2 (`--dataset_config_name 2`) is another test set than split 1: the model-index named
    the data set and split alone, so the Hub showed the two results as one benchmark's. Read back as the Hub reads
    it (huggingface_hub's `model_index_to_eval_results`)."""
    card = build_model_card(
        CONFIG,
        results={"top1": 0.5},
        dataset_name="someone/ucf101",
        dataset_id="someone/ucf101",
        dataset_config="2",
        dataset_revision="refs/pr/3",
        eval_split="test",
    )
    card.save(tmp_path / "README.md")
    _, (result,) = model_index_to_eval_results(metadata_load(tmp_path / "README.md")["model-index"])
    assert (result.dataset_type, result.dataset_config, result.dataset_split) == ("someone/ucf101", "2", "test")
    assert result.dataset_revision == "refs/pr/3"
    assert "configuration `2`, revision `refs/pr/3`" in card.text


def test_a_local_folder_has_a_configuration_but_no_revision(tmp_path):
    folder = tmp_path / "ucf101"
    folder.mkdir()
    card = build_model_card(
        CONFIG, results={"top1": 0.5}, dataset_name=str(folder), dataset_config="3", dataset_revision="main"
    )
    dataset = card_metadata(card)["model-index"][0]["results"][0]["dataset"]
    assert dataset == {"type": "ucf101", "name": "ucf101", "config": "3"}


@pytest.mark.parametrize(
    "text",
    [
        "---\nNotes on this run\n---\n\nweights of step 9\n",  # a `---` rule over text: YAML, but no mapping
        "---\nlicense: [apache-2.0\n---\n",  # metadata that does not parse
    ],
)
def test_a_base_models_card_whose_metadata_cannot_be_read_gives_no_licence_and_no_error(tmp_path, text, caplog):
    """The fine-tuned card takes its --init_from folder's licence from its README.md, read when the run writes its
    outputs: a README whose metadata huggingface_hub cannot read (its ValueError, yaml's ScannerError) stopped the run
    there, after its last step, the model unwritten. No licence is known: none, with a warning naming the file."""
    from vivit_hf.hub.cards import source_license

    (tmp_path / "README.md").write_text(text)
    with pytest.raises((ValueError, yaml.YAMLError)):  # the reference: huggingface_hub's own reader refuses it
        metadata_load(tmp_path / "README.md")
    with caplog.at_level("WARNING"):
        assert source_license(tmp_path) == {}
    assert "README.md" in caplog.text and "cannot be read" in caplog.text


def test_a_sources_license_is_read_from_its_subfolder_and_none_out_of_reach(tmp_path):
    """`source_license` reads a converted checkpoint's and an --init_from model's card alike: a checkpoint in a
    subfolder has its card there (as `convert ... --subfolder` reads its weights), a source out of reach, a file or
    none states no licence. The reference: the card's own metadata, read by huggingface_hub."""
    from huggingface_hub import ModelCard, ModelCardData

    from vivit_hf.hub.cards import source_license

    ModelCard.from_template(ModelCardData(license="mit")).save(tmp_path / "README.md")
    (tmp_path / "vivit").mkdir()
    ModelCard.from_template(ModelCardData(license="cc-by-nc-4.0")).save(tmp_path / "vivit" / "README.md")
    assert source_license(tmp_path) == {"license": "mit"}
    assert source_license(str(tmp_path), subfolder="vivit", revision=None) == {"license": "cc-by-nc-4.0"}
    assert source_license(tmp_path, subfolder="none_here") == {}
    assert source_license(tmp_path / "README.md") == source_license(None) == {}
    # offline (the tests run with HF_HUB_OFFLINE=1) and never downloaded: unknown and said why, not an error
    unread = source_license("no-such-owner/no-such-model", local_files_only=True)
    assert list(unread) == ["license_unread"] and "local_files_only" in unread["license_unread"]


def test_a_bug_in_reading_the_sources_license_is_raised_not_taken_for_no_licence():
    """`source_license` caught every exception as "no card, no access, offline": a keyword huggingface_hub does not
    take (its TypeError) gave a card with no licence and no word. Only the Hub's errors mean "not read" now."""
    from vivit_hf.hub.cards import source_license

    with pytest.raises(TypeError, match="no_such_option"):
        source_license("someone/vivit-b", no_such_option=True)


@pytest.fixture
def hub_model(tmp_path, monkeypatch):
    """A tiny ViViT classifier and its card (licence cc-by-nc-4.0) on the Hub stand-in, read into a cache of the
    test's own: (stand-in, repo id)."""
    from hub_standin import HubStandIn, read_from, serve_folder
    from huggingface_hub import ModelCard, ModelCardData

    from vivit_hf import ViViTSpatioTemporalForVideoClassification

    folder = tmp_path / "vivit"
    ViViTSpatioTemporalForVideoClassification(CONFIG).save_pretrained(folder)
    ModelCard.from_template(ModelCardData(license="cc-by-nc-4.0")).save(folder / "README.md")
    with HubStandIn() as hub:
        serve_folder(hub, "someone/vivit-b", folder)
        read_from(hub, monkeypatch, tmp_path / "hub-cache")
        yield hub, "someone/vivit-b"


def test_a_fine_tune_offline_from_a_cached_hub_model_says_why_its_card_has_no_licence(hub_model, monkeypatch, caplog):
    """A run started (offline, HF_HUB_OFFLINE=1) from a Hub model that `from_pretrained` had cached: from_pretrained
    caches the config and weights, not the README.md that states the licence, so none could be read, and the card
    had no licence and said nothing of it (as one whose base model states none). Now the card and the log say why and
    what caches the card. The reference: the licence the stand-in's card states, read online."""
    import huggingface_hub.constants as constants
    from transformers import AutoModelForVideoClassification

    from vivit_hf.hub.cards import source_license

    hub, repo = hub_model
    AutoModelForVideoClassification.from_pretrained(repo)  # online: what a first run caches
    assert not any(path.endswith("/README.md") for _, path in hub.requests)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with caplog.at_level("WARNING"):
        unread = source_license(repo)
    assert AutoModelForVideoClassification.from_pretrained(repo) is not None  # offline, the model itself loads
    assert list(unread) == ["license_unread"] and "offline mode is on (HF_HUB_OFFLINE)" in unread["license_unread"]
    assert f"hf download {repo} README.md" in unread["license_unread"] and repo in caplog.text
    card = build_model_card(CONFIG, base_model=repo, results={"top1": 0.5}, dataset_name="d", **unread)
    said = "- License: unknown: the card that states it could not be read (offline mode is on (HF_HUB_OFFLINE)"
    assert card.data.license is None and said in card.text and f"check the terms of {repo}" in card.text
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    assert source_license(repo) == {"license": "cc-by-nc-4.0"}  # online: its card's


def test_the_licence_is_read_with_the_keywords_huggingface_hub_takes(hub_model, monkeypatch):
    """The converter passed from_pretrained's `proxies` on to `hf_hub_download`, which huggingface_hub (1.0 and later)
    does not declare: it drops it with a warning, and without that shim it is a TypeError, which `source_license`
    took for "no licence". Read with `hf_hub_download` held to the installed signature (no shim): the licence."""
    import inspect

    import huggingface_hub

    from vivit_hf.hub.cards import source_license

    real = huggingface_hub.hf_hub_download
    signature = inspect.signature(real)

    def declared(*args, **kwargs):
        signature.bind(*args, **kwargs)  # a keyword it does not declare: TypeError
        return real(*args, **kwargs)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", declared)
    with pytest.warns(UserWarning, match="proxies= is ignored.*HTTPS_PROXY"):
        found = source_license(hub_model[1], proxies={"https": "http://127.0.0.1:9"}, revision=None)
    assert found == {"license": "cc-by-nc-4.0"}


@pytest.mark.parametrize("frames, width, alike", [(16, 32, True), (40, 48, False)])
def test_the_cards_multi_view_advice_matches_what_the_views_of_its_videos_are(tmp_path, frames, width, alike):
    """The main job's card advised the paper's 4 clips x 3 crops for the bundled set, whose 16-frame 32x32 videos one
    8-frame clip at stride 2 spans and one 32x32 crop covers: 12 copies of one view, 12x the cost for the same logits.
    Checked against the processor's own 4 x 3 views of such a video, and of a longer, wider one (views that differ:
    the paper's advice stays)."""
    import numpy as np

    from vivit_hf import ViViTVideoProcessor
    from vivit_hf.training.data.synthetic import SyntheticMotionConfig, render_clip, write_video

    shape = SyntheticMotionConfig().video_shape
    assert shape == (16, 32, 32)  # the bundled set's, which the main job's card is given
    clip = render_clip("moving_left", np.random.default_rng(0), SyntheticMotionConfig(num_frames=frames))
    clip = np.concatenate([clip, clip[:, :, : width - 32]], axis=2)  # wider: crops see other pixels
    write_video(clip, tmp_path / "v.mp4")
    # the main job's processor (outputs/video_preprocessor_config.json)
    processor = ViViTVideoProcessor(
        num_frames=8, frame_stride=2, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    views = processor(str(tmp_path / "v.mp4"), num_clips=4, num_crops=3, return_tensors="pt")["pixel_values"]
    assert views.shape[0] == 12 and bool((views == views[:1]).all()) == alike
    card = build_model_card(
        CONFIG, processor=processor, results={"top1": 0.5}, eval_split="test", video_shape=(frames, 32, width)
    ).content
    if alike:
        assert "would repeat each view 12 times here" in card and "test with `num_clips=1, num_crops=1`" in card
    else:
        assert "- The paper's test protocol averages the logits of 4 temporal clips x 3 spatial crops" in card


@pytest.mark.parametrize(
    "resize, alike",
    [
        ({"size": {"height": 48, "width": 48}}, False),
        ({"do_resize": False, "size": {"shortest_edge": 64}}, True),
        ({"size": {"shortest_edge": 32, "longest_edge": 40}}, True),
    ],
    ids=["height_width_48", "no_resize", "longest_edge"],
)
def test_the_cards_crop_advice_follows_the_processors_resize(tmp_path, resize, alike):
    """Whether the 3 crops of the bundled set's 32x32 frames are one view depends on the frame they are cut from, as
    the processor resizes it: every size was read as a `shortest_edge` (a {height: 48, width: 48} resize as 32x32, which
    the 32x32 crop covers: the card advised one crop where the 3 differ), a processor without `do_resize` as
    resizing, and a `longest_edge` cap not at all (the card's own copy of the rule gave up: 3 crops advised where the
    32x32 crop covers the 32x32 frame). Checked against the processor's own 3 crops of such a video."""
    import numpy as np

    from vivit_hf import ViViTVideoProcessor
    from vivit_hf.training.data.synthetic import SyntheticMotionConfig, render_clip, write_video

    config = SyntheticMotionConfig()
    write_video(render_clip("moving_left", np.random.default_rng(0), config), tmp_path / "v.mp4")
    processor = ViViTVideoProcessor(num_frames=8, frame_stride=2, crop_size={"height": 32, "width": 32}, **resize)
    views = processor(str(tmp_path / "v.mp4"), num_clips=1, num_crops=3, return_tensors="pt")["pixel_values"]
    assert views.shape[0] == 3 and bool((views == views[:1]).all()) == alike
    card = build_model_card(
        CONFIG, processor=processor, results={"top1": 0.5}, eval_split="test", video_shape=config.video_shape
    ).content
    assert ("the 32x32 crop covers the whole frame" in card) == alike
    assert f"`num_clips=1, num_crops={1 if alike else 3}`" in card  # one clip spans the 16 frames either way


def test_a_local_base_model_folder_passes_on_the_hub_base_model_its_card_states(tmp_path):
    """A fine-tune from a local --init_from folder converted from google/vivit-b wrote no `base_model`: the Hub's
    model tree lost where the weights came from. Our conversion's card's `base_model` is passed on (the same
    weights); a folder whose card states none, or no Hub id, gives none."""
    converted = tmp_path / "home" / "me" / "vivit-b"
    converted.mkdir(parents=True)
    source = "google/vivit-b-16x2-kinetics400"
    conversion = build_model_card(CONFIG, converted_from=source, base_model=source, command="convert", license="mit")
    conversion.save(converted / "README.md")
    card = build_model_card(CONFIG, base_model=str(converted), results={"top1": 0.5}, dataset_name="d")
    assert card_metadata(card)["base_model"] == source
    assert str(tmp_path) not in card.content and "- Initialised from: vivit-b" in card.content
    assert f"\nbase_model: {source}\n" in conversion.content
    for stated in ("", f"base_model: {tmp_path}/elsewhere", "base_model: [a/b, c/d]"):
        (converted / "README.md").write_text(conversion.content.replace(f"base_model: {source}", stated))
        card = build_model_card(CONFIG, base_model=str(converted), results={"top1": 0.5}, dataset_name="d")
        assert "base_model" not in card_metadata(card), stated


def test_a_local_folder_that_is_no_conversion_gives_no_base_model(tmp_path):
    """An earlier fine-tune's output (or an `hf download --local-dir` copy of a Hub fine-tune) states its own parent
    as `base_model`: passed on, the Hub's model tree showed the grandparent as the new model's parent. As
    transformers' Trainer for a local path, none."""
    earlier = tmp_path / "run1"
    earlier.mkdir()
    parent = "google/vivit-b-16x2-kinetics400"
    build_model_card(CONFIG, base_model=parent, results={"top1": 0.5}, dataset_name="d").save(earlier / "README.md")
    assert card_metadata(build_model_card(CONFIG, base_model=parent))["base_model"] == parent  # the first run's
    card = build_model_card(CONFIG, base_model=str(earlier), results={"top1": 0.6}, dataset_name="d")
    assert "base_model" not in card_metadata(card)
    downloaded = tmp_path / "download"
    downloaded.mkdir()
    (downloaded / "README.md").write_text(f"---\nbase_model: {parent}\nlicense: mit\ntags: [vivit]\n---\n# x\n")
    card = build_model_card(CONFIG, base_model=str(downloaded), results={"top1": 0.6}, dataset_name="d")
    assert "base_model" not in card_metadata(card)


def test_a_model_trained_from_scratch_is_not_said_to_be_fine_tuned():
    """No base model (finetune.py without --init_from): the card said "fine-tuned on d", its title `...-finetuned`."""
    scratch = build_model_card(CONFIG, results={"top1": 0.5}, dataset_name="d", eval_split="test")
    assert "trained from scratch on d with vivit_hf" in scratch.content and "fine-tuned" not in scratch.content
    assert (
        "# vivit-spatio-temporal-trained\n" in scratch.content
        and "- Initialised from: random initialisation" in scratch.content
    )
    tuned = build_model_card(CONFIG, base_model="google/vit-base-patch16-224-in21k", dataset_name="d")
    assert "fine-tuned on d with vivit_hf" in tuned.content and "# vivit-spatio-temporal-finetuned\n" in tuned.content


def test_the_recipe_table_shows_the_warm_up_and_length_that_trained_not_the_flags_they_overrode():
    """`--num_warmup_steps 0` (no warm-up) under the preset's `warmup_epochs 1.0` made a card saying `warmup_epochs |
    1.0` and no word of the steps; a typed `--max_train_steps 5` ending a run after one epoch, a card saying
    `num_train_epochs | 40`. Trainer's card gives `training_steps` in place of `num_epochs` so."""
    recipe = dict(lr_scheduler_type="linear", warmup_epochs=1.0, num_warmup_steps=None, num_train_epochs=40)
    recipe.update(max_train_steps=120, typed_flags=["dataset"])
    rows = build_model_card(CONFIG, results={"top1": 0.5}, eval_split="test", training_args=recipe).content.splitlines()
    assert {"| warmup_epochs | 1.0 |", "| num_train_epochs | 40 |", "| max_train_steps | 120 |"} <= set(rows)
    assert not any(row.startswith("| num_warmup_steps |") for row in rows)
    recipe.update(num_warmup_steps=0, max_train_steps=5, typed_flags=["max_train_steps", "num_warmup_steps"])
    rows = build_model_card(CONFIG, results={"top1": 0.5}, eval_split="test", training_args=recipe).content.splitlines()
    assert {"| num_warmup_steps | 0 |", "| max_train_steps | 5 |"} <= set(rows)
    assert not any(row.startswith(("| warmup_epochs |", "| num_train_epochs |")) for row in rows)
    recipe.update(lr_scheduler_type="constant", num_warmup_steps=None)  # transformers' `constant` has no warm-up
    rows = build_model_card(CONFIG, results={"top1": 0.5}, eval_split="test", training_args=recipe).content.splitlines()
    assert not any(row.startswith(("| warmup_epochs |", "| num_warmup_steps |")) for row in rows)
