"""Reference data for VaeLegacyBlocksTest: a tiny VAE using the 0.9.0-era block types (res_x_y, strided
compress_time / compress_space / compress_all, non-residual depth-to-space), reflect spatial padding and
per-channel log-variance, for reflect and replicate spatial padding, computed in float64 numpy following Lightricks' causal_video_autoencoder.py semantics.
Run: python3 generate.py  (writes legacy-<padding>.safetensors next to this file)."""
import json
import struct

import numpy as np

PATCH = 4
LATENT = 6
ENC_BASE = 4
DEC_BASE = 4
PAD = "zeros"
rng = np.random.default_rng(11)
weights = {}


def param(name, *shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    value = rng.standard_normal(shape) * (scale if scale is not None else 1.0 / np.sqrt(fan_in))
    weights[name] = value.astype(np.float32)
    return weights[name].astype(np.float64)


def conv3d(x, prefix, cin, cout, stride=(1, 1, 1), causal=True):
    w = param(prefix + ".conv.weight", cout, cin, 3, 3, 3)
    b = param(prefix + ".conv.bias", cout, scale=0.1)
    if causal:
        x = np.concatenate([x[:, :, :1]] * 2 + [x], axis=2)
    else:
        x = np.concatenate([x[:, :, :1], x, x[:, :, -1:]], axis=2)
    mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge"}[PAD]
    x = np.pad(x, ((0, 0), (0, 0), (0, 0), (1, 1), (1, 1)), mode=mode)
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3, 3), axis=(2, 3, 4))
    windows = windows[:, :, ::stride[0], ::stride[1], ::stride[2]]
    return np.einsum("bcfhwxyz,ocxyz->bofhw", windows, w) + b[None, :, None, None, None]


def pixel_norm(x):
    return x / np.sqrt(np.mean(x ** 2, axis=1, keepdims=True) + 1e-8)


def silu(x):
    return x / (1 + np.exp(-x))


def resnet(x, prefix, cin, cout, causal):
    h = conv3d(silu(pixel_norm(x)), prefix + ".conv1", cin, cout, causal=causal)
    h = conv3d(silu(pixel_norm(h)), prefix + ".conv2", cout, cout, causal=causal)
    if cin != cout:
        weights[prefix + ".norm3.norm.weight"] = (param(prefix + ".norm3.norm.weight", cin, scale=0.3) + 1).astype(np.float32)
        g = weights[prefix + ".norm3.norm.weight"].astype(np.float64)
        beta = param(prefix + ".norm3.norm.bias", cin, scale=0.1)
        mu = x.mean(axis=1, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=1, keepdims=True)
        n = (x - mu) / np.sqrt(var + 1e-6) * g[None, :, None, None, None] + beta[None, :, None, None, None]
        ws = param(prefix + ".conv_shortcut.weight", cout, cin, 1, 1, 1)
        bs = param(prefix + ".conv_shortcut.bias", cout, scale=0.1)
        x = np.einsum("bcfhw,oc->bofhw", n, ws[:, :, 0, 0, 0]) + bs[None, :, None, None, None]
    return x + h


def pixel_shuffle(x, s):
    b, c, d, h, w = x.shape
    c0 = c // (s[0] * s[1] * s[2])
    x = x.reshape(b, c0, s[0], s[1], s[2], d, h, w).transpose(0, 1, 5, 2, 6, 3, 7, 4)
    return x.reshape(b, c0, d * s[0], h * s[1], w * s[2])


STRIDES = {"compress_time": (2, 1, 1), "compress_space": (1, 2, 2), "compress_all": (2, 2, 2)}
ENCODER = [["res_x", {"num_layers": 1}], ["compress_space", 1], ["res_x_y", 1], ["compress_time", 1],
           ["compress_all", 1], ["res_x", {"num_layers": 2}]]
DECODER = [["res_x", {"num_layers": 1}], ["compress_all", {"residual": False}], ["res_x_y", 1],
           ["compress_time", 1], ["compress_space", 1], ["res_x", {"num_layers": 1}]]


def encode(video):
    b, c, f, hh, ww = video.shape
    x = video.reshape(b, c, f, hh // PATCH, PATCH, ww // PATCH, PATCH).transpose(0, 1, 6, 4, 2, 3, 5)
    x = x.reshape(b, c * PATCH * PATCH, f, hh // PATCH, ww // PATCH)
    ch = ENC_BASE
    x = conv3d(x, "encoder.conv_in", c * PATCH * PATCH, ch)
    for i, (name, params) in enumerate(ENCODER):
        p = "encoder.down_blocks.%d" % i
        if name == "res_x":
            for j in range(params["num_layers"]):
                x = resnet(x, p + ".res_blocks.%d" % j, ch, ch, True)
        elif name == "res_x_y":
            x = resnet(x, p, ch, ch * 2, True)
            ch *= 2
        else:
            x = conv3d(x, p, ch, ch, stride=STRIDES[name])
    x = conv3d(silu(pixel_norm(x)), "encoder.conv_out", ch, 2 * LATENT)
    return x


def decode(z):
    blocks = list(reversed(DECODER))
    ch = DEC_BASE * 2  # the one res_x_y doubles; compress blocks have multiplier 1
    x = conv3d(z, "decoder.conv_in", LATENT, ch, causal=False)
    for i, (name, params) in enumerate(blocks):
        p = "decoder.up_blocks.%d" % i
        if name == "res_x":
            for j in range(params["num_layers"]):
                x = resnet(x, p + ".res_blocks.%d" % j, ch, ch, False)
        elif name == "res_x_y":
            x = resnet(x, p, ch, ch // 2, False)
            ch //= 2
        else:
            s = STRIDES[name]
            x = pixel_shuffle(conv3d(x, p + ".conv", ch, ch * s[0] * s[1] * s[2], causal=False), s)
            if s[0] == 2:
                x = x[:, :, 1:]
    x = conv3d(silu(pixel_norm(x)), "decoder.conv_out", ch, 3 * PATCH * PATCH, causal=False)
    b, c, f, h, w = x.shape
    x = x.reshape(b, 3, PATCH, PATCH, f, h, w).transpose(0, 1, 4, 5, 3, 6, 2)
    return x.reshape(b, 3, f, h * PATCH, w * PATCH)


if __name__ == "__main__":
    for PAD in ("reflect", "replicate"):
        rng = np.random.default_rng(11)
        weights.clear()
        video = rng.uniform(-1, 1, (1, 3, 9, 32, 48))
        moments = encode(video)
        mean_of_means = param("per_channel_statistics.mean-of-means", LATENT, scale=0.5)
        std_of_means = np.abs(param("per_channel_statistics.std-of-means", LATENT, scale=0.5)) + 0.5
        weights["per_channel_statistics.std-of-means"] = std_of_means.astype(np.float32)
        std_of_means = weights["per_channel_statistics.std-of-means"].astype(np.float64)
        mean = moments[:, :LATENT]
        normalized = (mean - mean_of_means[None, :, None, None, None]) / std_of_means[None, :, None, None, None]
        latents_normalized = rng.standard_normal((1, LATENT, 3, 2, 3))
        raw = latents_normalized * std_of_means[None, :, None, None, None] + mean_of_means[None, :, None, None, None]
        decoded = decode(raw)

        tensors = dict(weights)
        tensors.update({
            "test.video": video.astype(np.float32),
            "test.latent_mean": mean.astype(np.float32),
            "test.latent_logvar": moments[:, LATENT:].astype(np.float32),
            "test.encoded_normalized": normalized.astype(np.float32),
            "test.latents_normalized": latents_normalized.astype(np.float32),
            "test.decoded_video": decoded.astype(np.float32),
        })
        header, offset, blobs = {}, 0, []
        for name in sorted(tensors):
            data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
            header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
            offset += len(data)
            blobs.append(data)
        header["__metadata__"] = {"encoder_blocks": json.dumps(ENCODER), "decoder_blocks": json.dumps(DECODER)}
        raw_header = json.dumps(header).encode()
        raw_header += b" " * ((8 - len(raw_header) % 8) % 8)
        with open("legacy-%s.safetensors" % PAD, "wb") as out:
            out.write(struct.pack("<Q", len(raw_header)) + raw_header + b"".join(blobs))
        print({k: v.shape for k, v in tensors.items() if k.startswith("test.")})
