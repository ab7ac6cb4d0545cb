"""Pictures, players and movies (matplotlib, ipywidgets, ffmpeg).

- ``plots``: ``plot_waveform``, ``plot_spectrogram``, ``plot_phase``, ``plot_instantaneous_frequency``
- ``kernel_plots``: ``plot_kernels``, ``plot_kernel_plane``, ``plot_phase_slices``, ``plot_phase_padding``
- ``widgets``: ``kernel_designer``, ``SliceBrowser``
- ``animation``, ``video``: ``SlicingAnimation``, ``VideoWriter`` (**the MP4 movie writer**), ``video_html``
- ``movie``: ``phased_movie``, ``phased_volume``
"""
