"""The notebook series itself: the chapter list, the exercises and their checks, the book (offline site).
"""

from __future__ import annotations

from phaselab.exports import lazy_exports

_EXPORTS: dict[str, str] = {
    "CHAPTERS": "chapters",
    "CONF_DIR": "site",
    "CONTROLS_NOTE": "site",
    "Chapter": "chapters",
    "EXERCISES": "exercises",
    "Exercise": "exercises",
    "SiteReport": "site",
    "StaticWidgetsPreprocessor": "site",
    "WIDGET_VIEW": "site",
    "always_unknown_scores": "solutions_networks",
    "build_site": "site",
    "chapter_files": "chapters",
    "chapter_summary": "site",
    "chapter_title": "site",
    "chapters_table": "chapters",
    "check_always_unknown_scores": "solutions_networks",
    "check_coherence_by_lag": "solutions_signal",
    "check_detector_on_long_term_noise": "solutions_networks",
    "check_encoding_costs": "solutions_networks",
    "check_flops_by_width": "solutions_networks",
    "check_half_overlap_sigma": "solutions_signal",
    "check_iterations_to_reach": "solutions_signal",
    "check_lit_slices": "solutions_signal",
    "check_log_complex": "solutions_networks",
    "check_long_term_noise": "solutions_networks",
    "check_padding_comparison": "solutions_networks",
    "check_pulse_period": "solutions_signal",
    "check_randomize_phase_above": "solutions_signal",
    "check_recentre_phase": "solutions_signal",
    "check_rotation_sensitivity": "solutions_networks",
    "check_twin_convergence_by_hop": "solutions_networks",
    "check_vowel_steadiness": "solutions_signal",
    "check_word_movie": "solutions_signal",
    "coherence_by_lag": "solutions_signal",
    "detector_on_long_term_noise": "solutions_networks",
    "encoding_costs": "solutions_networks",
    "exercises_of": "exercises",
    "expected_lit_slices": "solutions_signal",
    "flops_by_width": "solutions_networks",
    "half_overlap_sigma": "solutions_signal",
    "iterations_to_reach": "solutions_signal",
    "lit_slices": "solutions_signal",
    "log_complex": "solutions_networks",
    "long_term_noise": "solutions_networks",
    "padding_comparison": "solutions_networks",
    "phase_roll_gap": "solutions_networks",
    "pulse_period": "solutions_signal",
    "quick": "chapters",
    "randomize_phase_above": "solutions_signal",
    "recentre_phase": "solutions_signal",
    "rotation_sensitivity": "solutions_networks",
    "twin_convergence_by_hop": "solutions_networks",
    "vowel_steadiness": "solutions_signal",
    "word_movie": "solutions_signal",
}
"""Public name -> the module of ``phaselab.book`` that defines it (imported on first use)."""

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
