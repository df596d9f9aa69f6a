"""The shipped model through the app's runtime (onnxruntime only): API, CLI, errors, sidecar checks."""

from __future__ import annotations

import importlib
import inspect
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import musictagger
from musictagger.cli.main import main
from musictagger.errors import AudioTooShortError, ModelError, SilentAudioError
from musictagger.model import codes
from musictagger.model.manifest import sidecar_path
from musictagger.model.runtime import GenreModel, default_model_path, load_model

SR = 44100


def band_music(seconds: float, *, sr: int = SR, channels: int = 1) -> np.ndarray:
    """A loop with a kick on the beat, hi-hat noise and a bass/chord line: music-like enough to analyse."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * sr)) / sr
    beat = t % 0.5
    kick = np.sin(2 * np.pi * 60 * t) * np.exp(-beat * 25)
    hats = rng.standard_normal(t.size) * np.exp(-(t % 0.25) * 80) * 0.3
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * 0.15
    y = (kick + hats + chord) * 0.3
    return np.tile(y, (channels, 1)).T.astype(np.float32) if channels > 1 else y.astype(np.float32)


@pytest.fixture(scope="module")
def model() -> GenreModel:
    return load_model()


@pytest.fixture
def music_file(tmp_path: Path) -> Path:
    path = tmp_path / "loop.flac"
    sf.write(path, band_music(12.0, channels=2), SR)
    return path


def test_importing_the_app_loads_no_torch() -> None:
    """Nor does a command's start-up (``musictagger.cli.main``) load scipy or matplotlib, which only some commands use
    once they run: scipy.signal, reached through cli.recognition and the evaluation's modules, cost every command
    1-2 s on a loaded 2-core machine."""
    code = (
        "import sys, musictagger.cli.main; started = sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules);"
        "import musictagger, musictagger.model.runtime, musictagger.evaluation.evaluate;"
        "print(started, sorted(m for m in ('torch', 'tensorflow', 'PySide6') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[] []"


API_MODULES = (
    "musictagger.model.runtime",
    "musictagger.model.codes",
    "musictagger.library",
    "musictagger.library.search",
    "musictagger.errors",
    "musictagger.personal.active",
)
"""The modules the README's Python API names: what a researcher's ``help()`` and editor show of them."""


def _public_callables(module_name: str) -> list[tuple[str, object]]:
    """The public functions of ``module_name`` (those defined in the API's modules) and their classes' public methods
    and properties, each with its name."""
    module = importlib.import_module(module_name)
    found: list[tuple[str, object]] = []
    for name in getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]:
        item = getattr(module, name)
        if not getattr(item, "__module__", "").startswith("musictagger."):
            continue
        if inspect.isfunction(item):
            found.append((f"{module_name}.{name}", item))
        elif inspect.isclass(item):
            members = [(key, value) for key, value in vars(item).items() if not key.startswith("_")]
            found += [(f"{name}.{key}", value.fget) for key, value in members if isinstance(value, property)]
            found += [(f"{name}.{key}", value) for key, value in members if inspect.isfunction(value)]
    return found


def test_the_python_api_has_docstrings_and_type_hints() -> None:
    """GenreModel.labels, Analysis.unknown, .uncertain and .code_hex, Library.counts, .failures, .roots … showed no
    docstring in help() or an editor."""
    missing = []
    for module_name in API_MODULES:
        for name, function in _public_callables(module_name):
            signature = inspect.signature(function)
            unhinted = [
                p.name
                for p in signature.parameters.values()
                if p.annotation is inspect.Parameter.empty and p.name not in ("self", "cls")
            ]
            if not function.__doc__ or signature.return_annotation is inspect.Signature.empty or unhinted:
                missing.append(name)
    assert missing == []


def test_the_shipped_model_and_its_sidecar_are_consistent(model: GenreModel) -> None:
    manifest = model.manifest
    assert default_model_path().is_file()
    assert manifest.bits == 64
    assert len(manifest.labels) >= 2
    assert manifest.front_end.sample_rate == 16000 and manifest.front_end.n_mels == 96
    assert {"valid", "test"} <= set(manifest.metrics)
    assert any("non-commercial" in licence["notice"] for licence in manifest.licences)


def test_analyze_api_gives_a_distribution_and_a_consistent_code(model: GenreModel, music_file: Path) -> None:
    analysis = musictagger.analyze(music_file)
    probabilities = [score.probability for score in analysis.ranking]
    assert sorted(probabilities, reverse=True) == probabilities
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-4)
    assert {score.label for score in analysis.ranking} == set(model.labels)
    assert np.array_equal(codes.from_hex(analysis.code_hex, 64), analysis.bits)
    assert np.array_equal(analysis.bits, (analysis.relaxed_code >= 0.5).astype(np.uint8))
    assert analysis.features.windows.shape[1:] == (model.manifest.front_end.window_frames, 96)
    assert [layer.shape[0] for layer in analysis.layers] == [len(analysis.window_starts_s)] * 5


def test_the_same_music_at_another_rate_and_layout_gets_the_same_verdict(model: GenreModel, tmp_path: Path) -> None:
    stereo_44k = model.analyze_signal(band_music(12.0, channels=2).T, sr=SR)
    mono_22k = model.analyze_signal(band_music(12.0, sr=22050), sr=22050)
    assert stereo_44k.genre == mono_22k.genre
    assert int(np.sum(stereo_44k.bits != mono_22k.bits)) <= 6


def test_cli_json_output_matches_the_api(music_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "--json", "-k", "2", str(music_file)]) == 0
    record = json.loads(capsys.readouterr().out)
    analysis = musictagger.analyze(music_file)
    assert record["genre"] == analysis.genre
    assert record["code_hex"] == analysis.code_hex
    assert len(record["top"]) == 2
    assert record["bits"] == "".join(str(b) for b in analysis.bits)


def test_cli_reports_bad_files_by_name_and_carries_on(
    music_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 4)
    silent = tmp_path / "silence.wav"
    sf.write(silent, np.zeros(SR * 5, dtype=np.float32), SR)
    assert main(["analyze", str(broken), str(silent), str(music_file)]) == 1
    out, err = capsys.readouterr()
    assert "broken.mp3" in err and "silence.wav" in err and "silent" in err
    assert str(music_file) in out
    assert "2 of 3 files could not be analysed" in err


def test_silence_and_too_short_input_are_refused_not_guessed(model: GenreModel) -> None:
    with pytest.raises(SilentAudioError):
        model.analyze_signal(np.zeros(SR * 3, dtype=np.float32), sr=SR)
    with pytest.raises(AudioTooShortError):
        model.analyze_signal(band_music(0.5), sr=SR)


def test_short_input_is_padded_and_says_so(model: GenreModel) -> None:
    analysis = model.analyze_signal(band_music(3.0), sr=SR)
    assert len(analysis.window_starts_s) == 1
    assert any(w.startswith("short:") for w in analysis.warnings)


def test_a_narrow_band_recording_says_so_beside_its_verdict(model: GenreModel) -> None:
    """A telephone or old archive recording, sampled at 8 kHz, holds nothing above 4 kHz: the model, which
    hears up to 8 kHz, moved its verdict on such files without a word (the CLI audit)."""
    telephone = model.analyze_signal(band_music(8.0, sr=8000), sr=8000)
    assert (
        "narrow band: sampled at 8000 Hz, it holds nothing above 4 kHz of the 8 kHz the model hears; "
        "trust the verdict less"
    ) in telephone.warnings
    assert not any(w.startswith("narrow band") for w in model.analyze_signal(band_music(8.0), sr=SR).warnings)


def test_a_file_cut_short_says_so_beside_its_verdict(model: GenreModel, tmp_path: Path) -> None:
    whole = tmp_path / "whole.flac"
    sf.write(whole, band_music(40.0), SR)
    cut = tmp_path / "cut.flac"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 4])

    analysis = model.analyze_file(cut)

    assert analysis.warnings[0].startswith(f"cut short: the audio ends at {analysis.duration_s:.1f} s of the 40.0 s")
    assert not any(w.startswith("cut short") for w in model.analyze_file(whole).warnings)


def test_a_sidecar_that_does_not_fit_its_model_is_refused(tmp_path: Path) -> None:
    onnx_path = tmp_path / "m.onnx"
    with pytest.raises(ModelError, match=f"{onnx_path}: model file not found"):  # the file, not its sidecar
        GenreModel(onnx_path)
    shutil.copy(default_model_path(), onnx_path)
    with pytest.raises(ModelError, match="sidecar is missing"):
        GenreModel(onnx_path)

    sidecar = json.loads(sidecar_path(default_model_path()).read_text())
    sidecar["front_end"]["n_mels"] = 128
    sidecar_path(onnx_path).write_text(json.dumps(sidecar))
    with pytest.raises(ModelError, match="does not match the sidecar's front end"):
        GenreModel(onnx_path)

    sidecar["onnx_sha256"] = "0" * 64
    sidecar_path(onnx_path).write_text(json.dumps(sidecar))
    with pytest.raises(ModelError, match="SHA-256 mismatch"):
        GenreModel(onnx_path)


def test_an_analysis_is_the_same_bits_and_probabilities_on_one_thread_as_on_all(model: GenreModel) -> None:
    """What the README promises a researcher: the same samples give the same code and probabilities, bit for bit,
    whether the model runs on one thread or on every core (onnxruntime's default, ``model``'s)."""
    y = band_music(2.0)
    on_all, on_one = (
        model.analyze_signal(y, sr=SR),
        GenreModel(default_model_path(), threads=1).analyze_signal(y, sr=SR),
    )
    assert on_all.code_hex == on_one.code_hex and np.array_equal(on_all.relaxed_code, on_one.relaxed_code)
    assert np.array_equal(on_all.probabilities, on_one.probabilities)
