# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Something-Something v2 as it is distributed: its clips in one tar.gz cut into parts with no suffix
(`20bn-something-something-v2-00`, `-01`, ...), to be put together with `cat ... | tar -xzf -`. A folder of such
parts used to read "none of the 4 clips the annotations name is on disk; found no video files", and beside a few
clips unpacked by hand, those few alone (a warning counting the rest)."""

import io
import json
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from test_data_formats import clip

from vivit_hf.training.data.fetch import extract_archives
from vivit_hf.training.data.formats import FORMATS, DatasetFormatError, load_video_dataset

PARTS = "20bn-something-something-v2"
# id -> template (the class), as SSv2's train.json gives them; labels.json numbers the classes.
CLIPS = {"1": "Holding [something]", "2": "Pushing [something]", "3": "Holding [something]", "4": "Pushing [something]"}
LABELS = {"Holding something": "0", "Pushing something": "1"}


def ssv2_parts(root: Path, clips_from: Path, parts: int = 3) -> dict[str, bytes]:
    """`root/labels/{labels,train}.json` and the 4 clips in a tar.gz cut into `parts` pieces `root/<PARTS>-NN`, as
    SSv2 ships them; returns each clip's bytes by id (what unpacking must give back)."""
    (root / "labels").mkdir(parents=True)
    (root / "labels" / "labels.json").write_text(json.dumps(LABELS))
    (root / "labels" / "train.json").write_text(json.dumps([{"id": i, "template": t} for i, t in CLIPS.items()]))
    for number, name in enumerate(CLIPS):
        clip(clips_from / PARTS / f"{name}.webm", seed=number, codec_suffix=".webm")
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(clips_from / PARTS, arcname=PARTS)
    data = archive.getvalue()
    size = len(data) // parts + 1
    for part in range(parts):
        (root / f"{PARTS}-{part:02d}").write_bytes(data[part * size : (part + 1) * size])
    return {name: (clips_from / PARTS / f"{name}.webm").read_bytes() for name in CLIPS}


def read_back(data) -> dict[str, tuple[bytes, int]]:
    return {e["id"]: (Path(e["video"]).read_bytes(), e["label"]) for e in data.split("train")}


def expected(clips: dict[str, bytes]) -> dict[str, tuple[bytes, int]]:
    return {name: (clips[name], int(LABELS[CLIPS[name].replace("[", "").replace("]", "")])) for name in CLIPS}


def test_a_folder_of_ssv2_archive_parts_is_refused_saying_the_command_that_unpacks_them(tmp_path):
    root = tmp_path / "ssv2"
    clips = ssv2_parts(root, tmp_path / "made")
    with pytest.raises(DatasetFormatError) as refused:
        load_video_dataset(root, "ssv2")
    message = str(refused.value)
    assert "4 of the 4 clips" in message and f"'{PARTS}-00'" in message and "3 archive parts" in message, message
    assert "found no video files" not in message
    # The command it names, run as written, unpacks the clips: then every one is read, under its class.
    command = re.search(r"`(cat [^`]+)`", message)[1]
    assert command == f"cat {root}/{PARTS}-?? | tar -xzf - -C {root}"
    subprocess.run(["bash", "-c", command], check=True)
    assert read_back(load_video_dataset(root, "ssv2")) == expected(clips)


def test_ssv2_parts_beside_a_few_clips_unpacked_by_hand_are_refused_not_read_as_those_few(tmp_path):
    root = tmp_path / "ssv2"
    ssv2_parts(root, tmp_path / "made")
    (root / PARTS).mkdir()
    (root / PARTS / "1.webm").write_bytes((tmp_path / "made" / PARTS / "1.webm").read_bytes())
    with pytest.raises(DatasetFormatError, match=r"3 of the 4 clips .* archive parts"):
        load_video_dataset(root, "ssv2")


def test_ssv2_parts_in_a_hub_repo_are_unpacked_as_their_concatenation(tmp_path):
    # What `fetch_dataset_repo` does with a downloaded snapshot: its archives extracted once beside it.
    snapshot = tmp_path / "snapshot"
    clips = ssv2_parts(snapshot, tmp_path / "made", parts=4)
    extracted = extract_archives(snapshot, tmp_path / "extracted")
    assert (extracted / PARTS / PARTS / "1.webm").is_file()
    assert read_back(FORMATS["ssv2"]([snapshot, extracted])) == expected(clips)


def test_ssv2_parts_with_one_missing_are_refused_naming_it(tmp_path):
    snapshot = tmp_path / "snapshot"
    ssv2_parts(snapshot, tmp_path / "made", parts=3)
    (snapshot / f"{PARTS}-01").unlink()
    with pytest.raises(ValueError, match=f"the archive parts {PARTS}-01 are missing"):
        extract_archives(snapshot, tmp_path / "extracted")
    assert not (tmp_path / "extracted").exists()  # nothing that looks finished
    with pytest.raises(DatasetFormatError, match=f"after fetching the missing part\\(s\\) {PARTS}-01"):
        load_video_dataset(snapshot, "ssv2")


def test_ssv2_parts_whose_last_one_is_missing_are_refused_as_ending_early(tmp_path):
    snapshot = tmp_path / "snapshot"
    ssv2_parts(snapshot, tmp_path / "made", parts=3)
    (snapshot / f"{PARTS}-02").unlink()
    with pytest.raises(ValueError, match=f"end before their archive does .* a part after {PARTS}-01 is missing"):
        extract_archives(snapshot, tmp_path / "extracted")


# Qualcomm's download wraps each part in a zip of its own (`20bn-something-something-v2-00.zip` holding
# `20bn-something-something-v2-00`). Such zips were unpacked each into a folder of its own (`.../-00/-00`) and never
# joined, and a folder of them was refused with `cat .../-00-?? | tar` that named part 00 alone.


def zip_each_part(root: Path) -> list[Path]:
    """Wrap every `<PARTS>-NN` below `root` in `<PARTS>-NN.zip`, as Qualcomm ships them; the bare parts go."""
    zips = []
    for part in sorted(root.glob(f"{PARTS}-??")):
        with zipfile.ZipFile(part.with_name(f"{part.name}.zip"), "w") as zf:
            zf.write(part, arcname=part.name)
        part.unlink()
        zips.append(part.with_name(f"{part.name}.zip"))
    return zips


def unzip_each_into_its_own_folder(root: Path) -> None:
    """What unpacking each zip apart gives (a file manager, `unzip -d`): `<PARTS>-NN/<PARTS>-NN`; the zips go."""
    for archive in sorted(root.glob(f"{PARTS}-??.zip")):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(root / archive.name.removesuffix(".zip"))
        archive.unlink()


@pytest.mark.parametrize("unzipped", [False, True], ids=["zipped", "each-unzipped-into-its-own-folder"])
def test_zipped_ssv2_parts_in_a_hub_repo_are_unpacked_as_their_concatenation(tmp_path, unzipped):
    snapshot = tmp_path / "snapshot"
    clips = ssv2_parts(snapshot, tmp_path / "made", parts=3)
    zip_each_part(snapshot)
    if unzipped:
        unzip_each_into_its_own_folder(snapshot)
    extracted = extract_archives(snapshot, tmp_path / "extracted")
    assert read_back(FORMATS["ssv2"]([snapshot, extracted])) == expected(clips)


@pytest.mark.parametrize("unzipped", [False, True], ids=["zipped", "each-unzipped-into-its-own-folder"])
def test_a_folder_of_zipped_ssv2_parts_is_refused_with_a_command_naming_every_part(tmp_path, unzipped):
    root = tmp_path / "my ssv2"  # a space, which the command quotes
    clips = ssv2_parts(root, tmp_path / "made", parts=3)
    zip_each_part(root)
    if unzipped:
        unzip_each_into_its_own_folder(root)
    with pytest.raises(DatasetFormatError) as refused:
        load_video_dataset(root, "ssv2")
    message = str(refused.value)
    assert "4 of the 4 clips" in message and "3 archive parts" in message, message
    command = re.search(r"`([^`]+\| tar [^`]+)`", message)[1]
    subprocess.run(["bash", "-c", command], check=True)
    assert read_back(load_video_dataset(root, "ssv2")) == expected(clips)


def test_zipped_ssv2_parts_with_one_missing_are_refused_naming_it(tmp_path):
    snapshot = tmp_path / "snapshot"
    ssv2_parts(snapshot, tmp_path / "made", parts=3)
    zip_each_part(snapshot)
    (snapshot / f"{PARTS}-01.zip").unlink()
    with pytest.raises(ValueError, match=f"the archive parts {PARTS}-01.zip are missing"):
        extract_archives(snapshot, tmp_path / "extracted")
    with pytest.raises(DatasetFormatError, match=f"after fetching the missing part\\(s\\) {PARTS}-01.zip"):
        load_video_dataset(snapshot, "ssv2")
