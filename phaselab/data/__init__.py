"""Speech data: the Speech Commands layout, the bundled keyword set, augmentation, pipelines."""
