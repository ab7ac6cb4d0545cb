"""Pictures, players and movies: static plots, notebook widgets, animation, MP4 video."""
