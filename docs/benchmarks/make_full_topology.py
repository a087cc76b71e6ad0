"""Usage: make_full_topology.py BENCH_MODEL_DIR OUT_DIR
Real-topology random model (2B transformer 28 layers, T5-XXL 24 layers, vocab 32128) from the 4-layer/1-layer bench
model: layer i copies bench layer (i mod n) scaled by 1 + 0.001*(i+1), so no two layers are byte-identical (ONNX
Runtime shares identical initializers). Streaming safetensors writer: one tensor in memory at a time."""
import json, struct, os, re, sys, shutil
import numpy as np
SRC, DST = sys.argv[1], sys.argv[2]  # the bench model folder, the folder to write

def read_header(path):
    f = open(path, "rb"); n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n)); return f, 8 + n, h

def convert(sub, fname, pattern, src_layers, dst_layers, extra=None):
    os.makedirs(f"{DST}/{sub}", exist_ok=True)
    f, start, h = read_header(f"{SRC}/{sub}/{fname}")
    meta = h.pop("__metadata__", None)
    def load(name):
        e = h[name]; a, b = e["data_offsets"]; f.seek(start + a)
        return np.frombuffer(f.read(b - a), dtype=np.float32).reshape(e["shape"])
    plan = []  # (name, shape, producer)
    for name, e in h.items():
        m = re.match(pattern, name)
        if m:
            i = int(m.group(1))
            if i != 0:
                continue
            for j in range(dst_layers):
                if j > 0 and "relative_attention_bias" in name:
                    continue  # T5 keeps the position bias in its first block only
                srcname = name.replace(m.group(0), m.group(0).replace(".0.", f".{j % src_layers}."), 1)
                dstname = name.replace(m.group(0), m.group(0).replace(".0.", f".{j}."), 1)
                plan.append((dstname, e["shape"], (lambda s=srcname, k=j: load(s) * np.float32(1 + 0.001 * (k + 1)))))
        elif extra and name in extra:
            shape, prod = extra[name](e, load)
            plan.append((name, shape, prod))
        else:
            plan.append((name, e["shape"], (lambda s=name: load(s))))
    header, off = {}, 0
    for name, shape, _ in plan:
        n = int(np.prod(shape)) * 4; header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + n]}; off += n
    if meta: header["__metadata__"] = meta
    hb = json.dumps(header).encode(); hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(f"{DST}/{sub}/{fname}", "wb") as out:
        out.write(struct.pack("<Q", len(hb))); out.write(hb)
        for name, shape, prod in plan:
            a = np.ascontiguousarray(prod(), dtype=np.float32); assert list(a.shape) == list(shape), name; out.write(a.tobytes())
    print(sub, "tensors", len(plan), "bytes", off, flush=True)

def embedding(e, load):
    vocab = 32128
    def prod():
        base = load("shared.weight"); reps = -(-vocab // base.shape[0])
        return np.concatenate([base * np.float32(1 + 0.001 * r) for r in range(reps)])[:vocab]
    return [vocab, e["shape"][1]], prod

convert("transformer", "diffusion_pytorch_model.safetensors", r"^(?:transformer_blocks)\.(\d+)\.", 4, 28)
cfg = json.load(open(f"{SRC}/transformer/config.json")); cfg["num_layers"] = 28
json.dump(cfg, open(f"{DST}/transformer/config.json", "w"), indent=2)
convert("text_encoder", "model.safetensors", r"^(?:encoder\.block)\.(\d+)\.", 1, 24, {"shared.weight": embedding})
cfg = json.load(open(f"{SRC}/text_encoder/config.json")); cfg["num_layers"] = 24; cfg["vocab_size"] = 32128
json.dump(cfg, open(f"{DST}/text_encoder/config.json", "w"), indent=2)
for d in ["vae", "scheduler", "tokenizer"]:
    if not os.path.exists(f"{DST}/{d}"): os.symlink(f"{SRC}/{d}", f"{DST}/{d}")
shutil.copy(f"{SRC}/model_index.json", f"{DST}/model_index.json")
print("DONE")
