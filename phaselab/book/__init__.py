"""The notebook series itself: the chapter list, the exercises and their checks, the offline site."""
