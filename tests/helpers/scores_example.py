"""A hand-checked classification example and a short training history, for the tests of the scores, the
validation callback and the curves."""

# A hand-checked example: 3 classes present, a 4th ("up") neither present nor predicted.
CLASSES = ("yes", "no", "unknown", "up")
TRUE = [0, 0, 0, 1, 1, 2]
PRED = [0, 0, 1, 1, 2, 2]
# yes: TP 2, FP 0, FN 1 -> P 1, R 2/3, F1 0.8
# no:  TP 1, FP 1, FN 1 -> P 1/2, R 1/2, F1 0.5
# unknown: TP 1, FP 1, FN 0 -> P 1/2, R 1, F1 2/3
F1 = {"yes": 0.8, "no": 0.5, "unknown": 2 / 3}
MACRO = (0.8 + 0.5 + 2 / 3) / 3
COMMAND_RECALL = 3 / 5  # 5 clips of command words (yes x3, no x2), 3 recognised

# A training history of three epochs, one F1 missing (None).
HISTORY = {
    "epoch": [1, 2, 3],
    "val_f1_yes": [0.0, 0.5, 1.0],
    "val_f1_no": [0.25, None, 0.75],
    "val_f1_unknown": [0.5, 0.6, 0.7],
    "val_macro_f1": [0.25, 0.55, 0.8],
}
