"""Reference data for VaeNoiseInjectionTest: a tiny 0.9.1-style decoder (timestep-conditioned res_x groups with
noise injection, residual depth-to-space with channel reduction 2), float64 numpy, following Lightricks'
causal_video_autoencoder.py semantics. The noise maps are stored as inputs ("input.<graph input name>").
Run: python3 generate_noise.py  (writes noise.safetensors next to this file)."""
import json
import struct

import numpy as np

import generate as ref

LATENT = 6
DEC_BASE = 4
DECODER = [["res_x", {"num_layers": 2, "inject_noise": True}], ["compress_all", {"residual": True, "multiplier": 2}],
           ["res_x", {"num_layers": 1, "inject_noise": True}], ["compress_all", {"residual": True, "multiplier": 2}],
           ["res_x", {"num_layers": 1, "inject_noise": True}]]
noise_inputs = {}


def timestep_embedding(t, prefix, dim):
    half = 128
    exponent = (np.float32(-np.log(10000.0)) * np.arange(half, dtype=np.float32)) / np.float32(half)
    arg = t[:, None] * np.exp(exponent.astype(np.float64))[None, :]
    emb = np.concatenate([np.cos(arg), np.sin(arg)], axis=1)
    w1 = ref.param(prefix + ".timestep_embedder.linear_1.weight", dim, 256)
    b1 = ref.param(prefix + ".timestep_embedder.linear_1.bias", dim, scale=0.1)
    w2 = ref.param(prefix + ".timestep_embedder.linear_2.weight", dim, dim)
    b2 = ref.param(prefix + ".timestep_embedder.linear_2.bias", dim, scale=0.1)
    return ref.silu(emb @ w1.T + b1) @ w2.T + b2


def modulate(x, shift, scale):
    return x * (1 + scale[:, :, None, None, None]) + shift[:, :, None, None, None]


def noisy_resnet(x, prefix, ch, temb):
    b = x.shape[0]
    table = ref.param(prefix + ".scale_shift_table", 4, ch, scale=0.5)
    ada = table[None] + temb.reshape(b, 4, ch)
    h = modulate(ref.pixel_norm(x), ada[:, 0], ada[:, 1])
    h = ref.conv3d(ref.silu(h), prefix + ".conv1", ch, ch, causal=False)
    h = h + injected(prefix, "1", ch, h.shape[-2:])
    h = modulate(ref.pixel_norm(h), ada[:, 2], ada[:, 3])
    h = ref.conv3d(ref.silu(h), prefix + ".conv2", ch, ch, causal=False)
    h = h + injected(prefix, "2", ch, h.shape[-2:])
    return x + h


def injected(prefix, index, ch, spatial):
    noise = ref.rng.standard_normal(spatial)
    noise_inputs[prefix + ".noise" + index] = noise
    scale = ref.param(prefix + ".per_channel_scale" + index, ch, 1, 1, scale=0.5)
    return (noise[None] * scale)[None, :, None]


def decode(z, timestep):
    blocks = list(reversed(DECODER))
    ch = DEC_BASE * 4
    # a stored multiplier other than the usual 1000 shows the graph reads it
    scaled = timestep * ref.weights["decoder.timestep_scale_multiplier"].astype(np.float64)
    x = ref.conv3d(z, "decoder.conv_in", LATENT, ch, causal=False)
    for i, (name, params) in enumerate(blocks):
        p = "decoder.up_blocks.%d" % i
        if name == "res_x":
            temb = timestep_embedding(scaled, p + ".time_embedder", 4 * ch)
            for j in range(params["num_layers"]):
                x = noisy_resnet(x, p + ".res_blocks.%d" % j, ch, temb)
        else:
            m = params["multiplier"]
            main = ref.pixel_shuffle(ref.conv3d(x, p + ".conv", ch, 8 * ch // m, causal=False), (2, 2, 2))[:, :, 1:]
            skip = np.concatenate([ref.pixel_shuffle(x, (2, 2, 2))] * (8 // m), axis=1)[:, :, 1:]
            x = main + skip
            ch //= m
    x = ref.pixel_norm(x)
    emb = timestep_embedding(scaled, "decoder.last_time_embedder", 2 * ch)
    ada = ref.param("decoder.last_scale_shift_table", 2, ch, scale=0.5)[None] + emb.reshape(-1, 2, ch)
    x = modulate(x, ada[:, 0], ada[:, 1])
    x = ref.conv3d(ref.silu(x), "decoder.conv_out", ch, 3 * ref.PATCH * ref.PATCH, causal=False)
    b, c, f, h, w = x.shape
    x = x.reshape(b, 3, ref.PATCH, ref.PATCH, f, h, w).transpose(0, 1, 4, 5, 3, 6, 2)
    return x.reshape(b, 3, f, h * ref.PATCH, w * ref.PATCH)


ref.PAD = "zeros"
ref.rng = np.random.default_rng(5)
ref.weights.clear()
mean_of_means = ref.param("per_channel_statistics.mean-of-means", LATENT, scale=0.5)
std_of_means = np.abs(ref.param("per_channel_statistics.std-of-means", LATENT, scale=0.5)) + 0.5
ref.weights["per_channel_statistics.std-of-means"] = std_of_means.astype(np.float32)
std_of_means = ref.weights["per_channel_statistics.std-of-means"].astype(np.float64)
latents_normalized = ref.rng.standard_normal((2, LATENT, 2, 2, 3))
timestep = np.array([0.05, 0.3])
ref.weights["decoder.timestep_scale_multiplier"] = np.array(800.0, dtype=np.float32)
raw = latents_normalized * std_of_means[None, :, None, None, None] + mean_of_means[None, :, None, None, None]
decoded = decode(raw, timestep.astype(np.float32).astype(np.float64))

tensors = dict(ref.weights)
tensors.update({"input." + k: v.astype(np.float32) for k, v in noise_inputs.items()})
tensors.update({
    "test.latents_normalized": latents_normalized.astype(np.float32),
    "test.decode_timestep": timestep.astype(np.float32),
    "test.decoded_video": decoded.astype(np.float32),
})
header, offset, blobs = {}, 0, []
for name in sorted(tensors):
    data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
    offset += len(data)
    blobs.append(data)
header["__metadata__"] = {"decoder_blocks": json.dumps(DECODER)}
raw_header = json.dumps(header).encode()
raw_header += b" " * ((8 - len(raw_header) % 8) % 8)
with open("noise.safetensors", "wb") as out:
    out.write(struct.pack("<Q", len(raw_header)) + raw_header + b"".join(blobs))
print({k: v.shape for k, v in tensors.items() if k.startswith(("test.", "input."))})
