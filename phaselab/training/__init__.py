"""Training and scoring: the recipe, the one training loop, callbacks, losses, scores, inference, listening.

Import from the modules (``config`` and ``scores`` need no TensorFlow; the rest import Keras):

- ``config``: ``TrainConfig`` (the recipe, saved as ``config.json``), ``TrainResult``
- ``loop``: ``train`` (**the training loop**; on a Speech Commands tree or on given ``Examples``), ``compile_model``
- ``callbacks``, ``rundir``, ``distributed``, ``losses``: what a run does each epoch, leaves on disk, runs on
- ``scores``: ``classification_scores``, ``seed_interval``, ``roc_auc``, ``format_word_f1``
- ``curves``: ``plot_learning_curves``, ``plot_word_f1``, ``plot_confusion_matrix``
- ``inference``: ``evaluate``, ``predict``
- ``listen``: ``listen``, ``CommandRecognizer`` (commands in a recording of any length);
  ``recordings``: ``assemble_recording``, ``match_detections``
- ``rejection``: ``decide``, ``choose_threshold``, ``false_alarms`` (saying "no command")
- ``shipped``: the shipped models (``SHIPPED_MODEL``, ``shipped_scores``)
"""
