"""Training and scoring: the recipe (``TrainConfig``), the one training loop, callbacks, losses, scores."""
