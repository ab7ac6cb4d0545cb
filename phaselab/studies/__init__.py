"""The experiments behind chapters 04-06: phase encodings, speech or noise, the detector, real speech."""
