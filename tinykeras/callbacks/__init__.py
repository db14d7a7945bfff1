"""Callbacks: objects whose hooks `fit`, `evaluate` and `predict` call.

>>> import tinykeras as keras
>>> stop = keras.callbacks.EarlyStopping(monitor="loss", patience=2)
>>> # model.fit(x, y, epochs=50, callbacks=[stop])
"""

from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger
from .callback_list import CallbackList
from .monitor_callback import MonitorCallback
from .early_stopping import EarlyStopping
from .model_checkpoint import ModelCheckpoint
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .learning_rate_scheduler import LearningRateScheduler
from .csv_logger import CSVLogger
from .terminate_on_nan import TerminateOnNaN
from .lambda_callback import LambdaCallback
from .backup_and_restore import BackupAndRestore
from .swap_ema_weights import SwapEMAWeights
from .tensorboard import TensorBoard
from .remote_monitor import RemoteMonitor

__all__ = [
    "Callback", "CallbackList", "History", "ProgbarLogger", "MonitorCallback",
    "EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler",
    "CSVLogger", "TerminateOnNaN", "LambdaCallback", "BackupAndRestore", "SwapEMAWeights",
    "TensorBoard", "RemoteMonitor",
]
