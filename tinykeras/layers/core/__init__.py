"""Core layers: Dense, Activation, Embedding, Dropout and the noise layers,
Flatten/Reshape/Permute/RepeatVector, Lambda, Rescaling, Identity, Input."""
