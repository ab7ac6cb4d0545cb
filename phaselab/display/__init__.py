"""Pictures, players and movies: static plots, notebook widgets, animation, MP4 video.
"""

from __future__ import annotations

from phaselab.exports import lazy_exports

_EXPORTS: dict[str, str] = {
    "AXES": "movie",
    "AXIS_LABELS": "movie",
    "CHUNK_FRAMES": "movie",
    "KernelDesigner": "widgets",
    "LEVEL_LABEL": "plots",
    "MovieAxis": "movie",
    "Progress": "animation",
    "REDUCED_AXIS": "movie",
    "REDUCERS": "animation",
    "Reducer": "animation",
    "SliceBrowser": "widgets",
    "SlicingAnimation": "animation",
    "Table": "tables",
    "TOP_DB": "plots",
    "VALUE_LABEL": "movie",
    "VideoInfo": "video",
    "VideoWriter": "video",
    "bundled_clip": "movie",
    "crop_frames": "movie",
    "even_size": "animation",
    "ffmpeg_exe": "video",
    "kernel_designer": "widgets",
    "kernel_on_plane": "kernel_plots",
    "level_db": "plots",
    "movie_size": "movie",
    "parse_crop": "movie",
    "parse_ffmpeg_report": "video",
    "phased_movie": "movie",
    "phased_volume": "movie",
    "plot_confusion_matrix": "curves",
    "plot_instantaneous_frequency": "plots",
    "plot_kernel_differences": "kernel_plots",
    "plot_kernel_plane": "kernel_plots",
    "plot_kernels": "kernel_plots",
    "plot_learning_curves": "curves",
    "plot_phase": "plots",
    "plot_phase_padding": "kernel_plots",
    "plot_phase_slices": "kernel_plots",
    "plot_spectrogram": "plots",
    "plot_spectrograms": "plots",
    "plot_waveform": "plots",
    "plot_word_f1": "curves",
    "probe": "video",
    "share_colour_scale": "plots",
    "table": "tables",
    "use_bundled_ffmpeg": "video",
    "video_html": "video",
    "widgets_available": "widgets",
}
"""Public name -> the module of ``phaselab.display`` that defines it (imported on first use)."""

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
