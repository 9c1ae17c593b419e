"""The Python module against an installed prefix (docs/python.md): the same JSON and CSV as the
installed CLI, byte for byte; the CLI's messages in exceptions; the GIL released while simulating.

Run by ctest (tests/CMakeLists.txt) as `/usr/bin/python3 -m pytest` with NPUSIM_PREFIX set to the
prefix `cmake --install` filled, NPUSIM_SOURCE_DIR to the tree, and PYTHONPATH to the prefix's
module folder.
"""
import concurrent.futures
import importlib.util
import json
import os
import subprocess
import threading
import time

import pytest

import npusim

PREFIX = os.environ["NPUSIM_PREFIX"]
SOURCE = os.environ["NPUSIM_SOURCE_DIR"]
CLI = os.path.join(PREFIX, "bin", "npusim")
ZOO = ["ds_cnn_kws.onnx", "squeezenet1_1.onnx", "mobilenet_v3_small.onnx"]


def model(name):
    return os.path.join(SOURCE, "models", name)


def cli(*args, check=True):
    done = subprocess.run([CLI, *args], capture_output=True, text=True)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_module_comes_from_the_prefix():
    assert os.path.realpath(npusim.__file__).startswith(os.path.realpath(PREFIX))


def test_version_is_the_clis():
    assert cli("--version").stdout == f"npusim {npusim.__version__}\nconfig schema {npusim.CONFIG_SCHEMA}\n"
    assert npusim.version() == npusim.__version__


@pytest.mark.parametrize("name", ZOO)
def test_json_is_the_clis_byte_for_byte(name):
    out = cli("run", model(name), "--json").stdout
    assert npusim.run_json(model(name)) == out
    assert npusim.run(model(name)) == json.loads(out)


def test_overrides_dtype_and_what_ifs_as_on_the_command_line():
    args = ["run", model("ds_cnn_kws.onnx"), "--set", "sram.capacity_bytes=2MiB", "--dtype", "int8",
            "--scale-channels", "0.5", "--json"]
    got = npusim.run(model("ds_cnn_kws.onnx"), set={"sram.capacity_bytes": "2MiB"}, dtype="int8", scale_channels=0.5)
    assert got == json.loads(cli(*args).stdout)
    assert got["sram"]["capacity_bytes"] == 2 * 1024 * 1024  # 2 MiB = 2 * 2^20 bytes
    config = os.path.join(SOURCE, "configs", "ethos-u55-like.yaml")
    assert npusim.run_json(model("ds_cnn_kws.onnx"), config=config) == cli("run", model("ds_cnn_kws.onnx"), "--config",
                                                                           config, "--json").stdout


def error_of(call):
    with pytest.raises(npusim.Error) as caught:
        call()
    return str(caught.value)


def test_bad_input_raises_with_the_clis_message(tmp_path):
    missing = str(tmp_path / "missing.onnx")
    done = cli("run", missing, check=False)
    assert done.returncode == 2
    assert error_of(lambda: npusim.run(missing)) == done.stderr.rstrip("\n")

    done = cli("run", model("ds_cnn_kws.onnx"), "--set", "sram.capacity_bytes=zz", check=False)
    assert done.returncode == 2
    assert error_of(lambda: npusim.run(model("ds_cnn_kws.onnx"), set={"sram.capacity_bytes": "zz"})) == \
        done.stderr.rstrip("\n")

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nclock_mhz: fast\n")
    done = cli("run", model("ds_cnn_kws.onnx"), "--config", str(bad), check=False)
    assert done.returncode == 2
    message = error_of(lambda: npusim.run(model("ds_cnn_kws.onnx"), config=str(bad)))
    assert message == done.stderr.rstrip("\n")
    assert f"{bad}:2:" in message  # file:line:col of the bad value


def test_max_bursts_refuses_as_the_cli_does(tmp_path):
    # docs/timing.md, "Replay cost": 1000 fp16 elements in and out, ceil(2000 / 64) = 32 bursts
    # each, 64 an inference, 128 for cold and warm.
    small = tmp_path / "small.npg"
    small.write_text("graph small\ninput x fp16 1x1x1x1000\nrelu r x -> y\noutput y\n")
    done = cli("run", str(small), "--max-bursts", "127", check=False)
    assert done.returncode == 2
    message = error_of(lambda: npusim.run(str(small), max_bursts=127))
    assert message == done.stderr.rstrip("\n")
    assert "replaying would issue 128 DRAM bursts" in message
    assert npusim.run_json(str(small), max_bursts=128) == cli("run", str(small), "--json").stdout


def test_weight_bits_is_the_clis_option(tmp_path):
    # docs/timing.md, "Compressed weights": a 16x16 Gemm's 256 fp16 weights (512 B) stored at
    # 4 bits take 128 B of indices and a 16-entry fp16 table, 32 B: 160 B.
    small = tmp_path / "gemm.npg"
    small.write_text("graph g\ninput x fp16 16x16\ngemm m x -> y n=16 bias=no\noutput y\n")
    assert npusim.run_json(str(small), weight_bits=4) == cli("run", str(small), "--weight-bits", "4", "--json").stdout
    assert npusim.run(str(small), weight_bits=4)["layers"][0]["weight_bytes"] == 128 + 32
    assert npusim.run(str(small))["layers"][0]["weight_bytes"] == 512
    done = cli("check", str(small), "--budget", "latency_ms=1", "--weight-bits", "4", "--json", check=False)
    assert npusim.check(str(small), "latency_ms=1", weight_bits=4) == json.loads(done.stdout)
    message = error_of(lambda: npusim.run(str(small), weight_bits=3))
    assert message == f"{small}: error: weight bits 3: expected 8, 6, 4 or 2"


def test_check_gives_the_clis_verdict():
    budget = "fallback_ops=0,latency_ms=1000"
    done = cli("check", model("ds_cnn_kws.onnx"), "--budget", budget, "--json", check=False)
    assert done.returncode == 1  # ds_cnn_kws has an op off the accelerator: fallback_ops=0 is broken
    out = done.stdout
    assert npusim.check(model("ds_cnn_kws.onnx"), {"fallback_ops": 0, "latency_ms": 1000}) == json.loads(out)
    assert npusim.check(model("ds_cnn_kws.onnx"), "latency_ms=0")["pass"] is False
    assert "unknown budget 'bogus'" in error_of(lambda: npusim.check(model("ds_cnn_kws.onnx"), "bogus=1"))


def write_spec(tmp_path):
    """100 points: 25 SRAM sizes (256 KiB to 1792 KiB in steps of 64 KiB) x 4 DRAM bandwidths."""
    sizes = ", ".join(f"{256 + 64 * k}KiB" for k in range(25))
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"models: [{model('micro/conv3x3.npg')}]\naxes:\n  sram.capacity_bytes: [{sizes}]\n"
                    "  dram.bandwidth_gb_per_s: [4, 8, 17, 34]\n")
    return str(spec)


def csv_line(row, axes):
    """A sweep row dict as the CSV writer prints it (docs/sweeps.md: %.17g reals, sizes in bytes)."""
    cells = [str(row["point"]), row["model"], row["model_file"], *(str(row[a]) for a in axes), row["status"]]
    identity = [";".join(row["set"]), row["npusim_version"]]
    if row["status"] == "ok":
        cells += [f"{row['warm_ms']:.17g}", f"{row['cold_ms']:.17g}", f"{row['energy_uj']:.17g}",
                  str(row["sram_peak_bytes"]), str(row["dram_bytes"]), str(row["fallbacks"]),
                  f"{row['uncached_ms']:.17g}", f"{row['cached_ms']:.17g}", f"{row['area_mm2']:.17g}",
                  f"{row['est_warm_ms']:.17g}", row["config"], row["config_hash"], *identity, ""]
    else:
        cells += [""] * 12 + identity + [row["message"]]
    return ",".join(cells) + "\n"


def test_a_100_point_sweep_on_2_threads_is_the_clis_csv(tmp_path):
    spec = write_spec(tmp_path)
    out = tmp_path / "cli.csv"
    cli("sweep", spec, "--jobs", "2", "-o", str(out))
    expected = out.read_text()
    assert expected.count("\n") == 101  # the header and 100 rows
    assert npusim.sweep_csv(spec, jobs=2) == expected
    rows = npusim.sweep(spec, jobs=2, as_frame=False)
    assert len(rows) == 100
    header = expected.splitlines(keepends=True)[0]
    axes = ["sram.capacity_bytes", "dram.bandwidth_gb_per_s"]
    assert header + "".join(csv_line(r, axes) for r in rows) == expected
    frame = npusim.sweep(spec, jobs=2)
    if importlib.util.find_spec("pandas") is None:
        assert frame == rows  # pandas stays optional
    else:
        assert len(frame) == 100


def test_a_thread_pool_simulates_in_parallel_and_gets_the_serial_answers():
    names = ZOO * 4
    serial = [npusim.run_json(model(n)) for n in names]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(lambda n: npusim.run_json(model(n)), names)) == serial


def test_the_gil_is_released_while_a_sweep_runs(tmp_path):
    """While one thread sweeps, another keeps running: the longest pause it sees stays far
    below the sweep's duration (holding the GIL, the sweep would pause it for all of it)."""
    spec = write_spec(tmp_path)
    span = []

    def sweep():
        start = time.monotonic()
        npusim.sweep_csv(spec)
        span.extend([start, time.monotonic()])

    worker = threading.Thread(target=sweep)
    worker.start()
    ticks = []
    while worker.is_alive():
        ticks.append(time.monotonic())
    worker.join()
    start, end = span
    during = [t for t in ticks if start <= t <= end] or [start]
    gaps = [b - a for a, b in zip([start, *during], [*during, end])]
    assert max(gaps) < 0.5 * (end - start), (max(gaps), end - start)
