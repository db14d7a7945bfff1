"""keras.utils.bounding_boxes: every function against Keras 3 (torch) on
generated boxes when it is installed, and against NumPy formulas always."""
import itertools
import math

import numpy as np
import pytest

import tinykeras as tk
from keras_zoo import keras_or_skip, to_numpy
from tinykeras.utils import bounding_boxes as bb

FORMATS = bb.SUPPORTED_FORMATS
H, W = 60.0, 80.0


def _xyxy_boxes(rng, shape=(5,)):
    x1, y1 = rng.uniform(0, W / 2, shape), rng.uniform(0, H / 2, shape)
    return np.stack([x1, y1, x1 + rng.uniform(1, W / 2, shape), y1 + rng.uniform(1, H / 2, shape)],
                    -1).astype("float32")


def _np_to_xyxy(fmt, b):
    """NumPy reference: boxes of format ``fmt`` as xyxy."""
    scale = np.array([W, H, W, H]) if fmt.startswith("rel_") else np.ones(4)
    base = fmt.replace("rel_", "")
    b = b.astype("float64")
    if base == "yxyx":
        b = b[..., [1, 0, 3, 2]]
    elif base == "center_yxhw":
        b = b[..., [1, 0, 3, 2]]
    if base in ("xywh",):
        b = np.concatenate([b[..., :2], b[..., :2] + b[..., 2:]], -1)
    elif base.startswith("center"):
        b = np.concatenate([b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2], -1)
    return b * scale


def _np_from_xyxy(fmt, b):
    """NumPy reference: xyxy boxes in format ``fmt`` (inverse of _np_to_xyxy)."""
    base = fmt.replace("rel_", "")
    b = b.astype("float64") / (np.array([W, H, W, H]) if fmt.startswith("rel_") else 1.0)
    if base == "xywh":
        b = np.concatenate([b[..., :2], b[..., 2:] - b[..., :2]], -1)
    elif base.startswith("center"):
        b = np.concatenate([(b[..., :2] + b[..., 2:]) / 2, b[..., 2:] - b[..., :2]], -1)
    return b[..., [1, 0, 3, 2]] if base in ("yxyx", "center_yxhw") else b


def test_convert_format_every_pair_matches_numpy_batched_and_not():
    rng = np.random.default_rng(0)
    xyxy = _xyxy_boxes(rng, (2, 3))
    for source, target in itertools.product(FORMATS, FORMATS):
        boxes = _np_from_xyxy(source, xyxy).astype("float32")
        out = bb.convert_format(boxes, source.upper(), target, height=H, width=W)
        assert isinstance(out, tk.Tensor) and out.dtype == "float32" and out.shape == (2, 3, 4)
        if source.startswith("rel_") and target.startswith("rel_"):  # Keras converts relative units directly
            expected = _np_from_xyxy(target[4:], _np_to_xyxy(source[4:], boxes))
        else:
            expected = _np_from_xyxy(target, _np_to_xyxy(source, boxes))
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-4, err_msg=f"{source}->{target}")
        unbatched = bb.convert_format(boxes[0], source, target, height=H, width=W, dtype="float64")
        assert unbatched.dtype == "float64"
        np.testing.assert_allclose(unbatched.numpy(), expected[0], rtol=1e-5, atol=1e-4)


@pytest.mark.keras
def test_every_function_matches_keras_on_generated_boxes():
    keras = keras_or_skip()
    kb = keras.utils.bounding_boxes
    rng = np.random.default_rng(1)
    xyxy = _xyxy_boxes(rng, (2, 4)) * 1.4 - 8  # some boxes leave the image
    worst = {}

    def same(name, ours, theirs, atol=1e-4):
        ours, theirs = np.asarray(ours.numpy() if isinstance(ours, tk.Tensor) else ours), to_numpy(keras, theirs)
        assert ours.shape == theirs.shape, name
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=atol, err_msg=name)
        worst[name.split()[0]] = max(worst.get(name.split()[0], 0), float(np.max(np.abs(ours - theirs))))

    for source, target in itertools.product(FORMATS, FORMATS):
        boxes = _np_from_xyxy(source, xyxy).astype("float32")
        same(f"convert {source}->{target}", bb.convert_format(boxes, source, target, H, W),
             kb.convert_format(boxes, source, target, H, W))
    labels = np.array([[0, 1, 2, 3], [4, 5, 6, 7]], "int32")
    ours = bb.clip_to_image_size({"boxes": xyxy, "labels": labels}, H, W)
    theirs = kb.clip_to_image_size({"boxes": xyxy, "labels": labels}, H, W)
    same("clip boxes", ours["boxes"], theirs["boxes"])
    same("clip labels", ours["labels"], theirs["labels"])
    rel = xyxy / np.array([W, H, W, H], "float32")
    same("clip rel", bb.clip_to_image_size({"boxes": rel}, bounding_box_format="rel_xyxy")["boxes"],
         kb.clip_to_image_size({"boxes": rel}, bounding_box_format="rel_xyxy")["boxes"])
    same("crop", bb.crop(xyxy, 5, 7, 30, 40), kb.crop(xyxy, 5, 7, 30, 40))
    same("pad", bb.pad(xyxy, 5, 7), kb.pad(xyxy, 5, 7))
    params = [rng.uniform(-30, 30, 2), rng.uniform(-0.2, 0.2, 2), rng.uniform(-0.2, 0.2, 2),
              rng.uniform(0.7, 1.3, 2), rng.uniform(-10, 10, 2), rng.uniform(-10, 10, 2)]
    params = [p.astype("float32") for p in params]
    for center in (None, 0.3):
        same("affine", bb.affine_transform(xyxy, *params, H, W, center_x=center, center_y=center),
             kb.affine_transform(xyxy, *[keras.ops.convert_to_tensor(p) for p in params], H, W,
                                 center_x=center, center_y=center), atol=1e-3)
    anchors = _xyxy_boxes(rng, (4,))
    for fmt, enc, var in [("xyxy", "center_yxhw", None), ("rel_xywh", "center_xywh", [0.1, 0.1, 0.2, 0.2])]:
        a, b = _np_from_xyxy(fmt, anchors).astype("float32"), _np_from_xyxy(fmt, xyxy).astype("float32")
        kwargs = dict(variance=var, image_shape=(H, W, 3))
        deltas = bb.encode_box_to_deltas(a, b, fmt, fmt, enc, **kwargs)
        same("encode", deltas, kb.encode_box_to_deltas(a, b, fmt, fmt, enc, **kwargs))
        same("decode", bb.decode_deltas_to_boxes(a, deltas.numpy(), fmt, "yxyx", enc, **kwargs),
             kb.decode_deltas_to_boxes(a, keras.ops.convert_to_tensor(deltas.numpy()), fmt, "yxyx", enc, **kwargs), atol=1e-3)
    for fmt in ("xyxy", "yxyx", "center_xywh", "rel_xyxy"):
        b1, b2 = _np_from_xyxy(fmt, xyxy).astype("float32"), _np_from_xyxy(fmt, anchors).astype("float32")
        for x, y in [(b1, b2), (b1[0], b2), (b1, b1), (b2, b1)]:
            same("iou", bb.compute_iou(x, y, fmt, image_shape=(H, W, 3)),
                 kb.compute_iou(x, y, fmt, image_shape=(H, W, 3)))
        masked = b1.copy()
        masked[0, 1] = -1
        same("iou masked", bb.compute_iou(masked, b1, fmt, True, -7, (H, W, 3)),
             kb.compute_iou(masked, b1, fmt, True, -7, (H, W, 3)))
        if not fmt.startswith("rel"):
            same("ciou", bb.compute_ciou(b1, b1[:, ::-1], fmt), kb.compute_ciou(b1, b1[:, ::-1], fmt))
    print("max |tinykeras - keras|:", {k: f"{v:.2g}" for k, v in worst.items()})


def _np_iou(a, b):
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = a[:, None].T[..., None], b.T[:, None]
    inter = np.clip(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0, None) * \
        np.clip(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0, None)
    union = ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter)
    return (inter / (union + 1e-7))[0]


def _np_ciou(a, b, eps=1e-7):
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = a.T, b.T
    w1, h1, w2, h2 = ax2 - ax1, ay2 - ay1 + eps, bx2 - bx1, by2 - by1 + eps
    inter = np.maximum(np.minimum(ax2, bx2) - np.maximum(ax1, bx1), 0) * \
        np.maximum(np.minimum(ay2, by2) - np.maximum(ay1, by1), 0)
    iou = inter / (w1 * h1 + w2 * h2 - inter + 2 * eps)
    diag = (np.maximum(ax2, bx2) - np.minimum(ax1, bx1)) ** 2 + (np.maximum(ay2, by2) - np.minimum(ay1, by1)) ** 2
    dist = ((ax1 + ax2) / 2 - (bx1 + bx2) / 2) ** 2 + ((ay1 + ay2) / 2 - (by1 + by2) / 2) ** 2
    v = 4 / math.pi ** 2 * (np.arctan(w2 / h2) - np.arctan(w1 / h1)) ** 2
    return iou - (dist / (diag + eps) + v * v / (v - iou + 1 + eps))


def test_iou_ciou_and_their_gradients_against_numpy():
    rng = np.random.default_rng(2)
    a, b = _xyxy_boxes(rng, (3,)), _xyxy_boxes(rng, (4,))
    np.testing.assert_allclose(bb.compute_iou(a, b, "xyxy").numpy(), _np_iou(a, b), rtol=1e-5, atol=1e-6)
    batched = bb.compute_iou(np.stack([a, a[::-1]]), b, "xyxy").numpy()
    np.testing.assert_allclose(batched[1], _np_iou(a[::-1], b), rtol=1e-5, atol=1e-6)
    masked = a.copy()
    masked[1] = -1
    out = bb.compute_iou(masked, b, "xyxy", use_masking=True, mask_val=-5).numpy()
    assert (out[1] == -5).all() and np.allclose(out[0], _np_iou(a[:1], b)[0], atol=1e-6)
    leaf = tk.Tensor(a, requires_grad=True)
    ciou = bb.compute_ciou(leaf, b[:3], "xyxy")
    np.testing.assert_allclose(ciou.numpy(), _np_ciou(a.astype("float64"), b[:3]), rtol=1e-5, atol=1e-6)
    ciou.sum().backward()
    numeric = np.zeros(a.shape)
    for i in np.ndindex(a.shape):
        step = np.zeros(a.shape)
        step[i] = 1e-4
        numeric[i] = (_np_ciou(a + step, b[:3]).sum() - _np_ciou(a - step, b[:3]).sum()) / 2e-4
    np.testing.assert_allclose(leaf.grad.numpy(), numeric, rtol=1e-2, atol=1e-4)


def test_transforms_and_deltas_against_formulas():
    rng = np.random.default_rng(3)
    xyxy = _xyxy_boxes(rng, (4,)) * 1.5 - 10
    labels = np.arange(4)
    clipped = bb.clip_to_image_size({"boxes": xyxy, "labels": labels, "extra": 1}, H, W)
    expected = np.clip(xyxy, 0, [W, H, W, H])
    np.testing.assert_allclose(clipped["boxes"].numpy(), expected)
    area = (expected[:, 2] - expected[:, 0]) * (expected[:, 3] - expected[:, 1])
    assert clipped["labels"].numpy().tolist() == np.where(area > 0, labels, -1).tolist() and clipped["extra"] == 1
    np.testing.assert_allclose(bb.crop(xyxy, 3, 4, 20, 30).numpy(),
                               np.clip(xyxy - [4, 3, 4, 3], 0, [30, 20, 30, 20]))
    assert bb.pad(np.array([[1, 2, 3, 4]]), 10, 20).numpy().tolist() == [[21, 12, 23, 14]]
    # a quarter turn about the image center maps a box to the box rotated the other way round
    box = np.array([[[10.0, 20.0, 30.0, 25.0]]])
    angle = np.array([90.0])
    turned = bb.affine_transform(box, angle, 0.0, 0.0, 1.0, 0.0, 0.0, height=41, width=41).numpy()
    c = 20.0  # center (width - 1) / 2
    corners = np.array([[10, 20], [30, 20], [30, 25], [10, 25]]) - c
    moved = np.stack([corners[:, 1], -corners[:, 0]], -1) + c  # (x, y) -> (y, -x) about the center
    np.testing.assert_allclose(turned[0, 0], [*moved.min(0), *moved.max(0)], atol=1e-4)
    assert bb.affine_transform(box, angle.astype("float64"), 0, 0, 1, 0, 0, 41, 41).dtype == "float64"
    anchors = _xyxy_boxes(rng, (4,))
    deltas = bb.encode_box_to_deltas(anchors, xyxy + 20, "xyxy", "xyxy", "center_xywh").numpy()
    ca, cb = _np_from_xyxy("center_xywh", anchors), _np_from_xyxy("center_xywh", xyxy + 20)
    np.testing.assert_allclose(deltas, np.concatenate([(cb[:, :2] - ca[:, :2]) / ca[:, 2:],
                                                       np.log(cb[:, 2:] / ca[:, 2:])], -1), rtol=1e-4, atol=1e-5)
    levels = bb.decode_deltas_to_boxes({"p3": anchors}, {"p3": deltas}, "xyxy", "xyxy", "center_xywh")
    np.testing.assert_allclose(levels["p3"].numpy(), xyxy + 20, rtol=1e-5, atol=1e-3)


def test_bad_arguments_say_what_was_expected():
    boxes = np.zeros((2, 4), "float32")
    with pytest.raises(ValueError, match="last dimension of 4"):
        bb.convert_format(np.zeros((2, 3)), "xyxy", "xywh")
    with pytest.raises(ValueError, match="`source` must be one of"):
        bb.convert_format(boxes, "xyz", "xywh")
    with pytest.raises(ValueError, match="height` and `width"):
        bb.convert_format(boxes, "xyxy", "rel_xyxy")
    with pytest.raises(ValueError, match="`height` and `width` must be set"):
        bb.clip_to_image_size({"boxes": boxes})
    with pytest.raises(NotImplementedError, match="xywh"):
        bb.crop(boxes, 0, 0, 1, 1, bounding_box_format="xywh")
    with pytest.raises(ValueError, match="variance"):
        bb.encode_box_to_deltas(boxes, boxes, "xyxy", "xyxy", variance=[1.0, 2.0])
    with pytest.raises(ValueError, match="encoding_format"):
        bb.encode_box_to_deltas(boxes, boxes, "xyxy", "xyxy", encoding_format="xyxy")
    with pytest.raises(ValueError, match="boxes1"):
        bb.compute_iou(np.zeros(4), boxes, "xyxy")
    with pytest.raises(ValueError, match="image_shape"):
        bb.compute_iou(boxes, boxes, "rel_xyxy")
    with pytest.raises(ValueError, match=r"\(batch, N, 4\)"):
        bb.affine_transform(boxes, [0.0], 0, 0, 1, 0, 0, 10, 10)
