"""phaselab.training.curves: the confusion matrix and the per-word F1 figures."""

import matplotlib
import numpy as np
from scores_example import CLASSES, HISTORY, PRED, TRUE

from phaselab.training.curves import plot_confusion_matrix, plot_word_f1
from phaselab.training.scores import classification_scores

matplotlib.use("Agg")


def test_plot_confusion_matrix() -> None:
    figure = plot_confusion_matrix(classification_scores(TRUE, PRED, CLASSES)["confusion"], CLASSES, title="t")
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts[:4] == ["2", "1", "0", "0"]
    assert figure.axes[0].get_title() == "t"


def test_plot_word_f1_heat_map_rows_are_classes() -> None:
    figure = plot_word_f1(HISTORY, ("yes", "no", "unknown"), title="t")
    heat = figure.axes[0]
    assert [t.get_text() for t in heat.get_yticklabels()] == ["yes", "no", "unknown"]
    image = heat.get_images()[0].get_array()
    assert image.shape == (3, 3) and image[0, 2] == 1.0  # row yes, epoch 3
    curves = figure.axes[1]
    macro = [line for line in curves.get_lines() if line.get_label().startswith("macro")][0]
    np.testing.assert_allclose(macro.get_ydata(), [0.25, 0.55, 0.8])
