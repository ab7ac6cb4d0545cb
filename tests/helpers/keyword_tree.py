"""A tiny Speech Commands tree for the training and evaluation tests (tones, not speech)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from phaselab.signal.audio import write_wav

TONES = {"yes": 300.0, "no": 600.0, "cat": 900.0}
"""Word -> tone frequency in Hz; "cat" is not a command, so its class is ``unknown``."""


def write_tree(
    root: Path, speakers: int = 6, silence: int = 0, lists: bool = True, noise: bool = True
) -> Path:
    """Write one 1 s clip per word and speaker (speaker ``s4`` validation, ``s5`` test).

    Parameters
    ----------
    root : Path
        Folder to create.
    speakers : int
        Speakers ``s0``, ``s1``, ...
    silence : int
        Clips of near-silence in a ``_silence_`` folder (free file names).
    lists : bool
        Write ``validation_list.txt`` and ``testing_list.txt``.
    noise : bool
        Write a ``_background_noise_`` recording.
    """
    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000
    for word, frequency in TONES.items():
        (root / word).mkdir(parents=True, exist_ok=True)
        for s in range(speakers):
            tone = 0.3 * np.sin(2 * np.pi * frequency * (1 + 0.02 * s) * t)
            write_wav(root / word / f"s{s}_nohash_0.wav", tone + 0.01 * rng.standard_normal(t.size))
    if silence:
        (root / "_silence_").mkdir()
        for i in range(silence):
            write_wav(root / "_silence_" / f"quiet{i}.wav", 1e-3 * rng.standard_normal(t.size))
    if noise:
        (root / "_background_noise_").mkdir()
        write_wav(root / "_background_noise_" / "white.wav", 0.1 * rng.standard_normal(32000))
    if lists:
        (root / "validation_list.txt").write_text("".join(f"{w}/s4_nohash_0.wav\n" for w in TONES))
        (root / "testing_list.txt").write_text("".join(f"{w}/s5_nohash_0.wav\n" for w in TONES))
    return root
