"""TensorBoard (event files read back with the ``tensorboard`` package's
EventAccumulator: the logged values are the history's), RemoteMonitor
(against a loopback HTTP server that records the POSTs; with Keras and
``requests`` installed, byte for byte what Keras sends), and
BackupAndRestore resuming with the wrapper optimizers' state."""
import json
import os
import sys
import threading
import urllib.parse
import warnings
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

import tinykeras as tk

RNG = np.random.default_rng(21)
X = RNG.normal(size=(16, 3)).astype(np.float32)
Y = RNG.normal(size=(16, 2)).astype(np.float32)


def _model(optimizer=None):
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(4, activation="tanh", name="dense"),
                           tk.layers.Dense(2, name="out")])
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    model.compile(optimizer or tk.optimizers.SGD(0.05), "mse", metrics=["mae"])
    return model


# -- TensorBoard --------------------------------------------------------------------
def _events(folder):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    accumulator = EventAccumulator(folder, size_guidance={"scalars": 0, "histograms": 0, "tensors": 0,
                                                          "images": 0})
    accumulator.Reload()
    return accumulator


def _scalars(events, tag):
    return [(e.step, e.value) for e in events.Scalars(tag)]


def test_tensorboard_epoch_scalars_histograms_and_graph_equal_the_run(tmp_path):
    pytest.importorskip("tensorboardX")
    model = _model()
    board = tk.callbacks.TensorBoard(str(tmp_path), histogram_freq=2, write_images=True)
    history = model.fit(X, Y, batch_size=4, epochs=3, verbose=0, shuffle=False,
                        validation_data=(X[:8], Y[:8]), callbacks=[board]).history
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = _events(str(tmp_path / "train")), _events(str(tmp_path / "validation"))
    for name in ("loss", "mae"):
        assert _scalars(train, f"epoch_{name}") == [(i, pytest.approx(v, rel=1e-6))
                                                    for i, v in enumerate(history[name])]
        assert _scalars(val, f"epoch_{name}") == [(i, pytest.approx(v, rel=1e-6))
                                                  for i, v in enumerate(history[f"val_{name}"])]
        assert _scalars(val, f"evaluation_{name}_vs_iterations") == [
            (4 * (i + 1), pytest.approx(v, rel=1e-6)) for i, v in enumerate(history[f"val_{name}"])]
    assert _scalars(train, "epoch_learning_rate") == [(i, pytest.approx(0.05)) for i in range(3)]
    assert not any(tag.startswith("batch_") for tag in train.Tags()["scalars"])   # update_freq="epoch"
    # histograms at epochs 0 and 2 (histogram_freq=2); the last one is the final weights'
    tags = [f"{model.name}/{w}" for w in ("dense/kernel", "dense/bias", "out/kernel", "out/bias")]  # weight.path
    assert sorted(train.Tags()["histograms"]) == sorted(f"{t}/histogram" for t in tags)
    for tag, weight in zip(tags, model.get_weights()):
        events = train.Histograms(f"{tag}/histogram")
        assert [e.step for e in events] == [0, 2]
        last = events[-1].histogram_value
        assert (last.num, last.min, last.max) == (weight.size, pytest.approx(weight.min()),
                                                  pytest.approx(weight.max()))
        assert last.sum == pytest.approx(float(weight.sum()), abs=1e-5)
        assert sum(last.bucket) == weight.size
    images = {tag: train.Images(tag)[-1] for tag in train.Tags()["images"]}
    assert (images[f"{tags[0]}/image"].width, images[f"{tags[0]}/image"].height) == (4, 3)
    assert (images[f"{tags[3]}/image"].width, images[f"{tags[3]}/image"].height) == (2, 1)
    # the graph: the model's JSON config under the Keras graph plugin, as Keras writes it
    assert train.PluginTagToContent("graph_keras_model") == {"keras": b"1"}
    graph = train.Tensors("keras")[0].tensor_proto.string_val[0].decode()
    assert json.loads(graph) == json.loads(model.to_json())


def test_tensorboard_batch_scalars_follow_update_freq(tmp_path):
    pytest.importorskip("tensorboardX")
    seen = []
    record = tk.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(dict(logs)))
    model = _model(tk.optimizers.LossScaleOptimizer(tk.optimizers.Adam(0.01)))
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0, shuffle=False,
              callbacks=[record, tk.callbacks.TensorBoard(str(tmp_path), update_freq=3, write_graph=False)])
    train = _events(str(tmp_path / "train"))
    assert _scalars(train, "batch_loss") == [(step, pytest.approx(seen[step - 1]["loss"], rel=1e-6))
                                             for step in (3, 6)]
    assert [s for s, _ in _scalars(train, "batch_mae")] == [3, 6]
    assert _scalars(train, "epoch_learning_rate") == [(0, pytest.approx(0.01)), (1, pytest.approx(0.01))]
    assert "keras" not in train.Tags()["tensors"]                   # write_graph=False


def test_tensorboard_learning_rates_of_a_multi_optimizer_and_evaluate(tmp_path):
    pytest.importorskip("tensorboardX")
    sgd, adam = tk.optimizers.SGD(0.05, name="sgd"), tk.optimizers.Adam(0.01, name="adam")
    model = _model(tk.optimizers.MultiOptimizer(tk.optimizers.OptimizerMap(sgd, {".*/out/.*": adam})))
    board = tk.callbacks.TensorBoard(str(tmp_path), update_freq="batch", write_steps_per_second=True)
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[board])
    train = _events(str(tmp_path / "train"))
    assert _scalars(train, "epoch_learning_rate_sgd") == [(0, pytest.approx(0.05))]
    assert _scalars(train, "epoch_learning_rate_adam") == [(0, pytest.approx(0.01))]
    assert [s for s, _ in _scalars(train, "batch_loss")] == [1, 2]
    assert [s for s, _ in _scalars(train, "epoch_steps_per_second")] == [0]
    assert all(v > 0 for _, v in _scalars(train, "batch_steps_per_second"))
    loss = model.evaluate(X, Y, verbose=0, callbacks=[board], return_dict=True)
    val = _events(str(tmp_path / "validation"))
    assert _scalars(val, "evaluation_loss_vs_iterations") == [(2, pytest.approx(loss["loss"], rel=1e-6))]


def test_tensorboard_arguments():
    pytest.importorskip("tensorboardX")
    with pytest.raises(ValueError, match="profile_batch=2"):
        tk.callbacks.TensorBoard(profile_batch=2)
    with pytest.raises(ValueError, match="embeddings_freq=1"):
        tk.callbacks.TensorBoard(embeddings_freq=1)
    with pytest.raises(ValueError, match="update_freq"):
        tk.callbacks.TensorBoard(update_freq="step")
    assert tk.callbacks.TensorBoard(update_freq="batch").update_freq == 1


def test_tensorboard_without_its_writer_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r'tinykeras\[tensorboard\]'):
        tk.callbacks.TensorBoard()


# -- RemoteMonitor --------------------------------------------------------------------
class _Recorder(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), _Recorder)
    httpd.posts = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_each_epoch_as_a_form_or_json(server):
    root = f"http://127.0.0.1:{server.server_port}"
    model = _model()
    history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[
        tk.callbacks.RemoteMonitor(root=root, field="payload", headers={"X-Token": "t1"})]).history
    assert [p[0] for p in server.posts] == ["/publish/epoch/end/"] * 2
    for epoch, (_, headers, body) in enumerate(server.posts):
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert headers["X-Token"] == "t1"
        form = urllib.parse.parse_qs(body.decode())
        assert list(form) == ["payload"]
        assert json.loads(form["payload"][0]) == {"epoch": epoch, "loss": history["loss"][epoch],
                                                  "mae": history["mae"][epoch]}
    server.posts.clear()
    monitor = tk.callbacks.RemoteMonitor(root=root, path="/log", send_as_json=True)
    monitor.on_epoch_end(4, {"loss": np.float32(0.5), "acc": np.array(0.25)})
    (path, headers, body), = server.posts
    assert path == "/log" and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"epoch": 4, "loss": 0.5, "acc": 0.25}


def test_remote_monitor_warns_when_the_server_is_unreachable():
    probe = HTTPServer(("127.0.0.1", 0), _Recorder)
    port = probe.server_port
    probe.server_close()                                    # nobody listens there now
    monitor = tk.callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}")
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})


@pytest.mark.keras
@pytest.mark.parametrize("send_as_json", [False, True])
def test_remote_monitor_sends_what_keras_sends(server, send_as_json):
    pytest.importorskip("requests")
    from keras_zoo import keras_or_skip
    keras = keras_or_skip()
    root = f"http://127.0.0.1:{server.server_port}"
    logs = {"loss": np.float32(0.125), "val_loss": 0.5, "lr": np.array(1e-3)}
    keras.callbacks.RemoteMonitor(root=root, send_as_json=send_as_json).on_epoch_end(3, dict(logs))
    tk.callbacks.RemoteMonitor(root=root, send_as_json=send_as_json).on_epoch_end(3, dict(logs))
    (k_path, k_headers, k_body), (path, headers, body) = server.posts
    assert (path, body, headers["Content-Type"]) == (k_path, k_body, k_headers["Content-Type"])


# -- BackupAndRestore with wrapper optimizers ---------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: tk.optimizers.LossScaleOptimizer(tk.optimizers.Adam(0.02), dynamic_growth_steps=3),
    lambda: tk.optimizers.MultiOptimizer(tk.optimizers.OptimizerMap(
        tk.optimizers.SGD(0.05, momentum=0.9), {".*/out/.*": tk.optimizers.Muon(0.02)})),
    lambda: tk.optimizers.ScheduleFreeAdamW(0.02)], ids=["loss-scale", "multi", "schedule-free"])
def test_backup_and_restore_resumes_wrapped_optimizers_identically(tmp_path, make):
    class Stop(tk.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("interrupted")

    reference = _model(make())
    reference.fit(X, Y, batch_size=4, epochs=4, verbose=0, shuffle=False)
    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="interrupted"):
        _model(make()).fit(X, Y, batch_size=4, epochs=4, verbose=0, shuffle=False,
                           callbacks=[tk.callbacks.BackupAndRestore(backup), Stop()])
    resumed = _model(make())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = resumed.fit(X, Y, batch_size=4, epochs=4, verbose=0, shuffle=False,
                              callbacks=[tk.callbacks.BackupAndRestore(backup)])
    assert len(history.history["loss"]) == 2                       # epochs 2 and 3
    for got, want in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(resumed.optimizer.variables, reference.optimizer.variables):
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_learning_rate_callbacks_set_each_inner_optimizer_of_a_multi_optimizer():
    """As Keras 3.15: one ``learning_rate_<name>`` per inner optimizer, each set."""
    sgd, adam = tk.optimizers.SGD(0.08, name="sgd"), tk.optimizers.Adam(0.02, name="adam")
    model = _model(tk.optimizers.MultiOptimizer(tk.optimizers.OptimizerMap(sgd, {".*/out/.*": adam})))
    history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[
        tk.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
        tk.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.25, patience=0, min_delta=1e9)]).history
    assert history["learning_rate_sgd"] == pytest.approx([0.04, 0.02])    # halved each epoch...
    assert history["learning_rate_adam"] == pytest.approx([0.01, 0.005])
    assert float(sgd.learning_rate.numpy()) == pytest.approx(0.005)       # ...then quartered (no gain)
    assert float(adam.learning_rate.numpy()) == pytest.approx(0.00125)
