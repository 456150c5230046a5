"""Hugging Face-layout test fixtures and an independent reference of the HF
modeling semantics (Llama, Qwen2), in python3-torch and numpy only: Debian 12
has neither transformers, peft nor safetensors.

safetensors: an 8-byte little-endian header length, a JSON header, then the
raw little-endian tensors. The reference follows transformers'
modeling_llama.py / modeling_qwen2.py (eager attention) and PEFT's LoRA.
"""
import json
import math
import struct

import h5py
import numpy as np
import torch

DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2)}
NAMES = {v[0]: k for k, v in DTYPES.items()}


def write_safetensors(path, tensors, header_extra=None):
    header, chunks, at = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        chunks.append(raw)
        at += len(raw)
    if header_extra:
        header.update(header_extra)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dtype, size = DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        raw = np.frombuffer(data[8 + n + b:8 + n + end], dtype=np.int16 if dtype != torch.float32 else np.float32)
        t = torch.from_numpy(raw.copy())
        t = t.view(dtype) if dtype != torch.float32 else t
        out[name] = t.reshape(e["shape"])
    return out, header.get("__metadata__", {})


LLAMA = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32, "intermediate_size": 48,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 96,
    "max_position_embeddings": 128, "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "hidden_act": "silu",
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 16},
    "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False, "torch_dtype": "float32",
}
QWEN2 = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 32, "intermediate_size": 40,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1, "vocab_size": 80,
    "max_position_embeddings": 256, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "hidden_act": "silu",
    "tie_word_embeddings": True, "use_sliding_window": False, "sliding_window": 4096, "torch_dtype": "float32",
}


def expected_shapes(c):
    h, d = c["hidden_size"], c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
    q, kv, i = c["num_attention_heads"] * d, c["num_key_value_heads"] * d, c["intermediate_size"]
    qwen = c["architectures"][0].startswith("Qwen2")
    shapes = {"model.embed_tokens.weight": (c["vocab_size"], h)}
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        shapes[p + "input_layernorm.weight"] = (h,)
        for name, o, n in [("q_proj", q, h), ("k_proj", kv, h), ("v_proj", kv, h), ("o_proj", h, q)]:
            shapes[p + f"self_attn.{name}.weight"] = (o, n)
            if (qwen and name != "o_proj") or c.get("attention_bias"):
                shapes[p + f"self_attn.{name}.bias"] = (o,)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        for name, o, n in [("gate_proj", i, h), ("up_proj", i, h), ("down_proj", h, i)]:
            shapes[p + f"mlp.{name}.weight"] = (o, n)
    shapes["model.norm.weight"] = (h,)
    if c["architectures"][0].endswith("ForSequenceClassification"):
        shapes["score.weight"] = (c["num_labels"], h)
    elif not c.get("tie_word_embeddings"):
        shapes["lm_head.weight"] = (c["vocab_size"], h)
    return shapes


def classifier_config(config, num_labels=2, pad_token_id=0):
    """A *ForSequenceClassification config.json of the same decoder."""
    arch = config["architectures"][0].replace("ForCausalLM", "ForSequenceClassification")
    out = {**config, "architectures": [arch], "num_labels": num_labels,
           "id2label": {str(i): f"LABEL_{i}" for i in range(num_labels)},
           "label2id": {f"LABEL_{i}": i for i in range(num_labels)}}
    if pad_token_id is not None:
        out["pad_token_id"] = pad_token_id
    return out


def make_model_dir(path, config, seed=0, shards=1):
    """A random checkpoint in HF layout; weights scaled like a trained model's."""
    path.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    weights = {}
    for name, shape in expected_shapes(config).items():
        if name.endswith("norm.weight"):
            weights[name] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:
            weights[name] = torch.randn(shape, generator=g) * (0.5 if "embed" in name else 0.15)
    (path / "config.json").write_text(json.dumps(config, indent=2))
    names = list(weights)
    if shards == 1:
        write_safetensors(path / "model.safetensors", weights)
    else:
        weight_map = {}
        for s in range(shards):
            file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            part = {n: weights[n] for n in names[s::shards]}
            write_safetensors(path / file, part)
            weight_map.update({n: file for n in part})
        (path / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return weights


def write_token_shard(path, tokens, uint32=False):
    header = np.zeros(256, np.int32)
    header[0], header[1], header[2] = (20240801 if uint32 else 20240520), 1, len(tokens)
    with open(path, "wb") as f:
        f.write(header.tobytes() + np.asarray(tokens, np.uint32 if uint32 else np.uint16).tobytes())


def write_sft(path, rows_train, rows_val, seq, vocab, seed=0):
    """Rows with a prompt (label -100), an answer, and padding (-100) of uneven lengths."""
    rng = np.random.RandomState(seed)
    with h5py.File(path, "w") as f:
        for split, n in [("train", rows_train), ("val", rows_val)]:
            ids = rng.randint(0, vocab, size=(n, seq)).astype(np.int32)
            labels = ids.copy()
            for r in range(n):
                prompt, length = rng.randint(1, seq // 2), rng.randint(seq // 2 + 2, seq + 1)
                labels[r, :prompt] = -100
                labels[r, length:] = -100
            f[f"{split}/input_ids"], f[f"{split}/labels"] = ids, labels


def write_labelled_rows(path, rows_train, rows_val, seq, vocab, pad, classes=2, seed=0):
    """A classifier's HDF5 rows: uneven lengths, pad after them, a label per
    row that depends on the first token (so there is something to learn)."""
    rng = np.random.RandomState(seed)
    out = {}
    with h5py.File(path, "w") as f:
        for split, n in [("train", rows_train), ("val", rows_val)]:
            ids = rng.randint(1, vocab, size=(n, seq)).astype(np.int32)
            lengths = rng.randint(2, seq + 1, size=n).astype(np.int32)
            for r in range(n):
                ids[r, lengths[r]:] = pad
            labels = (ids[:, 0] % classes) if classes else (ids[:, 0] / vocab).astype(np.float32)
            f[f"{split}/input_ids"], f[f"{split}/lengths"], f[f"{split}/labels"] = ids, lengths, labels
            out[split] = (torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(lengths.astype(np.int64)),
                          torch.from_numpy(labels))
    return out


class Reference:
    """HF Llama/Qwen2 forward (eager attention) with optional PEFT LoRA; a
    *ForSequenceClassification checkpoint (score.weight) also classifies,
    its score trained beside LoRA as PEFT's modules_to_save is."""

    def __init__(self, config, weights, lora_rank=0, lora_alpha=16.0, targets=None):
        self.c, self.w = config, {k: v.clone().float() for k, v in weights.items()}
        self.d = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
        self.rank, self.scaling, self.lora = lora_rank, (lora_alpha / lora_rank if lora_rank else 0), {}
        targets = targets or ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        if lora_rank:  # the order trawl draws A in: layers, then q, k, v, o, gate, up, down
            for layer in range(config["num_hidden_layers"]):
                for m in ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                          "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]:
                    if m.split(".")[1] in targets:
                        name = f"model.layers.{layer}.{m}"
                        out_f, in_f = self.w[name + ".weight"].shape
                        a = torch.empty(lora_rank, in_f)
                        torch.nn.init.kaiming_uniform_(a, a=math.sqrt(5))
                        self.lora[name] = (a.requires_grad_(), torch.zeros(out_f, lora_rank, requires_grad=True))
        else:
            for v in self.w.values():
                v.requires_grad_()

    def parameters(self):
        if self.rank:
            score = [self.w["score.weight"].requires_grad_()] if "score.weight" in self.w else []
            return [t for pair in self.lora.values() for t in pair] + score
        return list(self.w.values())

    def linear(self, x, name):
        y = torch.nn.functional.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))
        if name in self.lora:
            a, b = self.lora[name]
            y = y + (x @ a.t() @ b.t()) * self.scaling
        return y

    def rms(self, x, name):
        var = x.float().pow(2).mean(-1, keepdim=True)
        return self.w[name] * (x * torch.rsqrt(var + self.c["rms_norm_eps"]))

    def inv_freq(self):
        c, d = self.c, self.d
        inv = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
        s = c.get("rope_scaling") or {}
        if s.get("rope_type", s.get("type")) != "llama3":
            return inv
        factor, low, high, old = s["factor"], s["low_freq_factor"], s["high_freq_factor"], s["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        llama = torch.where(wavelen > old / low, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * llama / factor + smooth * llama
        medium = ~(wavelen < old / high) * ~(wavelen > old / low)
        return torch.where(medium, smoothed, llama)

    def forward(self, ids):
        x = self.hidden(ids)
        head = self.w["model.embed_tokens.weight"] if self.c.get("tie_word_embeddings") else self.w["lm_head.weight"]
        return x @ head.t()

    def classify(self, ids, lengths):
        """LlamaForSequenceClassification / Qwen2ForSequenceClassification:
        score applied to the final hidden state at each row's last real
        token (HF finds it as the last non-pad token; rows here hold no pad
        before their length, so both rules pick the same position)."""
        x = self.hidden(ids)
        return x[torch.arange(ids.shape[0]), lengths - 1] @ self.w["score.weight"].t()

    def classifier_loss_sum(self, ids, lengths, labels):
        logits = self.classify(ids, lengths)
        if labels.dtype.is_floating_point:  # regression: num_labels 1, MSE
            return torch.nn.functional.mse_loss(logits.squeeze(-1), labels.float(), reduction="sum")
        return torch.nn.functional.cross_entropy(logits, labels.long(), reduction="sum")

    def hidden(self, ids):
        c, d = self.c, self.d
        b, t = ids.shape
        h_, kv = c["num_attention_heads"], c["num_key_value_heads"]
        freqs = (self.inv_freq()[None, :, None] @ torch.arange(t).float()[None, None, :]).transpose(1, 2)
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]

        def rot(x):
            return torch.cat([-x[..., d // 2:], x[..., :d // 2]], -1)

        x = self.w["model.embed_tokens.weight"][ids]
        mask = torch.full((t, t), float("-inf")).triu(1)
        for layer in range(c["num_hidden_layers"]):
            p = f"model.layers.{layer}."
            n = self.rms(x, p + "input_layernorm.weight")
            q = self.linear(n, p + "self_attn.q_proj").view(b, t, h_, d).transpose(1, 2)
            k = self.linear(n, p + "self_attn.k_proj").view(b, t, kv, d).transpose(1, 2)
            v = self.linear(n, p + "self_attn.v_proj").view(b, t, kv, d).transpose(1, 2)
            q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
            k, v = k.repeat_interleave(h_ // kv, 1), v.repeat_interleave(h_ // kv, 1)
            att = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(d) + mask, -1, dtype=torch.float32)
            o = (att @ v).transpose(1, 2).reshape(b, t, h_ * d)
            x = x + self.linear(o, p + "self_attn.o_proj")
            n = self.rms(x, p + "post_attention_layernorm.weight")
            m = p + "mlp."
            x = x + self.linear(torch.nn.functional.silu(self.linear(n, m + "gate_proj")) * self.linear(n, m + "up_proj"),
                                m + "down_proj")
        return self.rms(x, "model.norm.weight")

    def loss_sum(self, x, y):
        logits = self.forward(x)
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                                 reduction="sum", ignore_index=-100)
