"""Audio preprocessing layers: ``STFTSpectrogram`` and ``MelSpectrogram``."""
from .mel_spectrogram import MelSpectrogram
from .stft_spectrogram import STFTSpectrogram
