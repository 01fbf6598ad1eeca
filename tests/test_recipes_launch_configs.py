# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/accelerate_configs/ on a machine without a GPU: a config that asks for GPUs is refused before the run,
naming the config and what it asks for; the CPU config, and the CPU asked for on purpose, run."""

import os
import sys

import pytest
import torch
from test_recipes_finetune import FINETUNE, REPO, TINY_MODEL, run, tiny_clip

from vivit_hf.training.launch import accumulation_plugin, gpu_config_without_a_gpu, launcher_mixed_precision

CONFIGS = REPO / "recipes" / "accelerate_configs"
ACCELERATE = [sys.executable, "-m", "accelerate.commands.launch"]


def launched(*flags):
    """The command line of `python -m accelerate.commands.launch FLAGS recipes/finetune.py`, as /proc shows it."""
    return [*ACCELERATE, *flags, "recipes/finetune.py", "--output_dir", "out"]


@pytest.mark.parametrize(
    "config, asked",
    [
        ("ddp_multi_gpu.yaml", "distributed_type MULTI_GPU, use_cpu false, 8 processes, mixed_precision bf16"),
        ("fsdp.yaml", "distributed_type FSDP, use_cpu false, 8 processes, mixed_precision bf16"),
        (
            "multi_node.yaml",
            "distributed_type MULTI_GPU, use_cpu false, 16 processes over 2 machines, mixed_precision bf16",
        ),
    ],
)
def test_a_gpu_config_on_a_machine_without_a_gpu_is_refused_naming_it_and_what_it_asks_for(config, asked):
    argv = launched("--config_file", f"recipes/accelerate_configs/{config}")
    said = gpu_config_without_a_gpu(argv, str(REPO), environ={}, gpus=False)
    assert said is not None and "\n" not in said
    assert f"the accelerate config recipes/accelerate_configs/{config} asks for GPUs ({asked})" in said
    assert "cpu_two_processes.yaml" in said and "ACCELERATE_USE_CPU=1" in said
    # the launcher's own flags win over the config's, as accelerate launch applies them
    argv = launched("--config_file", str(CONFIGS / config), "--num_processes", "2", "--mixed_precision", "no")
    overridden = gpu_config_without_a_gpu(argv, "/", environ={}, gpus=False)
    assert ", 2 processes" in overridden and "mixed_precision no" in overridden


def test_the_refusal_of_a_config_of_several_machines_counts_the_processes_of_this_one():
    """multi_node.yaml's num_processes (16) counts both machines' processes, and accelerate starts num_processes //
    num_machines (8) on each: the refusal said that this machine would run 16 processes on its CPU."""
    import yaml

    config = yaml.safe_load((CONFIGS / "multi_node.yaml").read_text())
    machines, processes = config["num_machines"], config["num_processes"]
    said = gpu_config_without_a_gpu(
        launched("--config_file", str(CONFIGS / "multi_node.yaml")), "/", environ={}, gpus=False
    )
    assert f"{processes} processes over {machines} machines" in said
    assert f"it would run {processes // machines} processes on the CPU" in said


@pytest.mark.parametrize(
    "launcher",
    [
        ["/venv/bin/accelerate", "launch"],
        [sys.executable, "/venv/bin/accelerate", "launch"],
        ["/venv/bin/accelerate-launch"],
    ],
)
def test_a_gpu_config_is_refused_whichever_of_accelerates_commands_launched_it(launcher):
    """accelerate installs `accelerate-launch` beside `accelerate launch`: a GPU config it started on a CPU machine ran
    8 CPU processes in bf16 without a word, as `accelerate launch` did before it was refused."""
    argv = [*launcher, "--config_file", "recipes/accelerate_configs/ddp_multi_gpu.yaml", "recipes/finetune.py"]
    said = gpu_config_without_a_gpu(argv, str(REPO), environ={}, gpus=False)
    assert (
        said is not None and "the accelerate config recipes/accelerate_configs/ddp_multi_gpu.yaml asks for GPUs" in said
    )


@pytest.mark.parametrize(
    "argv, environ, gpus",
    [
        (launched("--config_file", "recipes/accelerate_configs/ddp_multi_gpu.yaml"), {}, True),  # a GPU machine
        (launched("--config_file", "recipes/accelerate_configs/cpu_two_processes.yaml"), {}, False),  # use_cpu: true
        (
            launched("--config_file", "recipes/accelerate_configs/ddp_multi_gpu.yaml"),
            {"ACCELERATE_USE_CPU": "1"},
            False,
        ),
        (launched("--config_file", "recipes/accelerate_configs/ddp_multi_gpu.yaml", "--cpu"), {}, False),
        (launched("--multi_gpu", "--num_processes", "2"), {}, False),  # no config: CPU processes, as documented
        ([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "recipes/finetune.py"], {}, False),
    ],
)
def test_the_cpu_config_and_the_cpu_asked_for_on_purpose_are_not_refused(argv, environ, gpus):
    assert gpu_config_without_a_gpu(argv, str(REPO), environ=environ, gpus=gpus) is None


@pytest.mark.skipif(torch.accelerator.is_available(), reason="the refusal is for a machine without a GPU")
def test_accelerate_launch_with_the_ddp_config_on_a_cpu_machine_stops_before_the_run(tmp_path):
    """It started the processes on the CPU in bf16 and trained, without a word, exiting 0."""
    for label, name in enumerate(("up", "down")):
        for i in range(2):
            tiny_clip(tmp_path / "data" / "train" / name / f"{name}_{i}.mp4", label, seed=i)
    launcher = [*ACCELERATE, "--config_file", "recipes/accelerate_configs/ddp_multi_gpu.yaml", "--num_processes", "2"]
    flags = ["--dataset", tmp_path / "data", "--output_dir", tmp_path / "out", *TINY_MODEL, "--max_train_steps", "1"]
    result = run(FINETUNE, *flags, launcher=launcher, check=False)
    assert result.returncode != 0
    said = [line for line in result.stderr.splitlines() if line.startswith("error: the accelerate config")]
    assert len(said) == 1, result.stderr[-3000:]
    assert "recipes/accelerate_configs/ddp_multi_gpu.yaml asks for GPUs (distributed_type MULTI_GPU" in said[0]
    assert not (tmp_path / "out").exists()


def test_the_docs_give_the_rendezvous_timeout_the_launchers_wait_for_a_machine_that_never_starts():
    """torchrun and accelerate launch build torch's `LaunchConfig`, whose default rendezvous timeout (900 s) is the
    static rendezvous's wait (`multi_node.yaml` on a machine that cannot reach its `main_process_ip` retries for
    `timeout=900000ms`); the docs said 600 s, the static rendezvous module's own default, which the launcher
    overrides."""
    from torch.distributed.launcher.api import LaunchConfig

    launcher_default = LaunchConfig(min_nodes=2, max_nodes=2, nproc_per_node=1).rdzv_configs["timeout"]
    page = (REPO / "docs" / "training-and-data.md").read_text()
    timeouts = page.split("**Timeouts.**")[1].split("\n\n")[0]
    assert f"launcher's rendezvous, {launcher_default} s by default for its default static rendezvous" in timeouts


def test_the_docs_way_to_shorten_the_rendezvous_wait_of_multi_node_yaml_reaches_torchs_launcher(monkeypatch):
    """multi_node.yaml run where its main_process_ip (10.0.0.1) is not reachable printed torch's retry line and a C++
    stack trace for the 900 s rendezvous timeout, the docs saying only that it "retries". They now say to put
    `--rdzv_conf timeout=N` among `accelerate launch`'s flags: accelerate hands it to torch's launcher as the
    rendezvous timeout, and a `rdzv_conf` key in the config file is refused (so the docs do not send users there)."""
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.commands.launch import _filter_args, _validate_launch_command, launch_command_parser
    from accelerate.utils import prepare_multi_gpu_env
    from torch.distributed.run import config_from_args, get_args_parser

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # else torch's config_from_args sets it in this process's environment

    page = (REPO / "docs" / "training-and-data.md").read_text()
    section = page.split("### Kinetics on 2 machines x 8 GPUs")[1].split("```bash")[0]
    assert "`--rdzv_conf timeout=60` after `--machine_rank 0`" in section
    assert "accelerate refuses a `rdzv_conf` key" in section

    def rendezvous_timeout(*flags):
        args = launch_command_parser().parse_args(
            ["--config_file", str(CONFIGS / "multi_node.yaml"), "--machine_rank", "1", *flags, "recipes/finetune.py"]
        )
        args, _, _ = _validate_launch_command(args)
        prepare_multi_gpu_env(args)  # as accelerate's multi_gpu_launcher, then its _run_torchrun
        script = ["--training_script", args.training_script, "--training_script_args", args.training_script_args]
        return int(config_from_args(_filter_args(args, get_args_parser(), script))[0].rdzv_configs["timeout"])

    assert rendezvous_timeout() == 900
    assert rendezvous_timeout("--rdzv_conf", "timeout=60") == 60  # torch's static rendezvous reads it with int()
    with pytest.raises(TypeError):  # from_yaml_file refuses unknown keys (ValueError) before the dataclass would
        ClusterConfig(rdzv_conf="timeout=60")


def test_reading_the_launchers_command_line_leaves_no_file_open():
    # it was `open(...).read()`: a ResourceWarning ("unclosed file <... name='/proc/N/cmdline'>") in the stderr of
    # every run started where warnings show (benchmarks/recipe_gpu.py's runs of the recipe)
    import gc
    import warnings

    from vivit_hf.training import launch

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        argv, _ = launch._parent_command()
        gc.collect()
    assert argv and argv[0]  # it read this process's parent's command line (Linux)
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], [str(w.message) for w in caught]


def test_accelerate_configs_multi_cpu_choice_started_alone_is_named_with_mpirun_as_the_reason(tmp_path, monkeypatch):
    """`accelerate config` on a CPU machine, "multi-CPU" with 2 processes and no mpirun (the question's default),
    writes distributed_type MULTI_CPU, which accelerate launch runs once. The warning named flags the user never typed
    (`--num_processes, --num_machines`) and said the run had no multi-process config, the one just written."""
    import accelerate.commands.config.config_args as config_args
    from accelerate.commands.config.config_args import ClusterConfig
    from test_recipes_flags import launcher_environment

    from vivit_hf.training.flags import processes_not_started

    # no default config of this machine's (`accelerate config`'s file) is read where none is typed
    monkeypatch.setattr(config_args, "default_config_file", str(tmp_path / "none.yaml"))
    config = str(tmp_path / "default_config.yaml")
    ClusterConfig(  # what `accelerate config` writes for those answers (its config_command's to_yaml_file)
        compute_environment="LOCAL_MACHINE", distributed_type="MULTI_CPU", mixed_precision="no", use_cpu=True,
        num_processes=2, machine_rank=0, num_machines=1, rdzv_backend="static", same_network=True,
        main_training_function="main", downcast_bf16="no", debug=False, mpirun_config={},
    ).to_yaml_file(config)  # fmt: skip
    environ = launcher_environment(monkeypatch, "--config_file", str(config))
    launcher = (launched("--config_file", config), "/")
    warning = processes_not_started(1, "recipes/finetune.py", environ, launcher=launcher)
    assert warning is not None and "\n" not in warning
    assert f"(the accelerate config {config}: distributed_type MULTI_CPU, num_processes 2)" in warning
    assert "through mpirun only" in warning and "cpu_two_processes.yaml recipes/finetune.py" in warning
    assert "--num_processes, --num_machines" not in warning and "multi-process config" not in warning
    # a count typed on the command line is named as typed; without a config the flags are named, as before
    typed = launched("--config_file", config, "--num_processes", "3")
    warning = processes_not_started(1, "f.py", environ, launcher=(typed, "/"))
    # the typed count alone: the config's, which it overrides, was named beside it ("... MULTI_CPU, num_processes 2")
    assert f"(--num_processes 3 with the accelerate config {config}: distributed_type MULTI_CPU) but" in warning
    # a hand-written config without num_processes (accelerate launch asks for the flag) loads as -1: it was named so
    bare = tmp_path / "bare.yaml"
    lines = (tmp_path / "default_config.yaml").read_text().splitlines(keepends=True)
    bare.write_text("".join(line for line in lines if not line.startswith("num_processes")))
    typed = launched("--config_file", str(bare), "--num_processes", "2")
    warning = processes_not_started(1, "f.py", environ, launcher=(typed, "/"))
    assert f"(--num_processes 2 with the accelerate config {bare}: distributed_type MULTI_CPU) but" in warning
    plain = processes_not_started(1, "f.py", environ, launcher=(launched("--num_processes", "2"), "/"))
    assert "(--num_processes, --num_machines)" in plain and "without --multi_gpu or a multi-process config" in plain
    # with --cpu accelerate reads no default config (`accelerate config`'s file): the warning named its MULTI_CPU
    monkeypatch.setattr(config_args, "default_config_file", config)
    assert "distributed_type MULTI_CPU" in processes_not_started(1, "f.py", environ, launcher=(launched(), "/"))
    cpu = processes_not_started(1, "f.py", environ, launcher=(launched("--cpu", "--num_processes", "2"), "/"))
    assert "(--num_processes, --num_machines)" in cpu and "mpirun" not in cpu


@pytest.mark.parametrize("variable", ["1", "8"])
def test_accelerates_unread_accumulation_variable_is_said_whichever_way_it_differs(variable):
    """ACCELERATE_GRADIENT_ACCUMULATION_STEPS, unread, beside the recipe's 4: its warning said "to accumulate more"
    where the variable asked for fewer (1: one batch a step), and "give the flag" to one who had given it to
    `accelerate launch --use_deepspeed --gradient_accumulation_steps`, which exports the variable; it names the count
    the run takes, whichever way, and where the flag goes."""
    plugin, said = accumulation_plugin(4, {"ACCELERATE_GRADIENT_ACCUMULATION_STEPS": variable})
    assert plugin.num_steps == 4
    assert f"ACCELERATE_GRADIENT_ACCUMULATION_STEPS={variable} in the environment is not read" in said
    assert "--gradient_accumulation_steps 4 batch(es) a step" in said and "accumulate more" not in said
    assert "to the script, after its name, not to `accelerate launch`" in said
    assert accumulation_plugin(4, {"ACCELERATE_GRADIENT_ACCUMULATION_STEPS": "4"})[1] is None


def test_the_launchers_variables_are_read_from_os_environ_as_it_is_when_asked(monkeypatch):
    """`launcher_mixed_precision` and `accumulation_plugin` took `environ=os.environ` as a default: the object
    os.environ was at import, which in a pytest worker could be a test's stand-in (tests/test_streaming_worker_start
    puts a dict there) for good: a later predict without --mixed_precision read 'no' under
    ACCELERATE_MIXED_PRECISION=bf16 (failed so in CI). Read as os.environ is at the call: here a stand-in put after
    the import."""
    monkeypatch.setattr(
        os, "environ", {"ACCELERATE_MIXED_PRECISION": "bf16", "ACCELERATE_GRADIENT_ACCUMULATION_STEPS": "3"}
    )
    assert launcher_mixed_precision() == "bf16"
    assert accumulation_plugin(1)[1] is not None
