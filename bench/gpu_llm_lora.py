#!/usr/bin/env python3
"""bf16 LoRA fine-tuning on one GPU: trawl against a plain transformers + peft
training loop, same Qwen2-0.5B-shaped model (random weights), batch, sequence
length, LoRA rank and targets, measured in one run. Needs the GPU machine's
PyTorch, transformers and peft, and a CUDA build of trawl (scripts/gpu-check).

usage: bench/gpu_llm_lora.py --trawl build-gpu/apps/trawl/trawl
Prints tokens/s and peak GPU memory of both, and the ratios.
"""
import argparse
import pathlib
import re
import subprocess
import tempfile
import threading
import time

import numpy as np
import torch

SEQ, BATCH, STEPS, RANK = 1024, 8, 30, 16
QWEN2_05B = dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                 num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768, rope_theta=1000000.0,
                 rms_norm_eps=1e-6, tie_word_embeddings=True, use_sliding_window=False)
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

SWEEP = f"""
[sweep]
dir = "out"
[model]
kind = "causal_lm"
path = "base"
seq_len = {SEQ}
lora = {{ rank = {RANK}, alpha = 32.0 }}
[data]
kind = "tokens"
train_file = "train.bin"
val_file = "val.bin"
[train]
device = "cuda"
precision = "bf16"
steps = {STEPS}
batch_size = {BATCH}
eval_every = 10
eval_batch_size = 4
lr = 2e-4
"""


class PeakMemory:
    """Peak GPU memory in use, polled from nvidia-smi (the same for both)."""

    def __init__(self):
        self.peak, self.running = 0, True
        self.thread = threading.Thread(target=self.poll, daemon=True)
        self.thread.start()

    def poll(self):
        while self.running:
            out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                                 capture_output=True, text=True).stdout.split()
            self.peak = max([self.peak] + [int(v) for v in out if v.isdigit()])
            time.sleep(0.1)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def write_shard(path, tokens):
    header = np.zeros(256, np.int32)
    header[:3] = 20240801, 1, len(tokens)  # uint32 tokens: the vocabulary is over 65535
    with open(path, "wb") as f:
        f.write(header.tobytes() + np.asarray(tokens, np.uint32).tobytes())


def trawl_run(trawl, d):
    memory = PeakMemory()
    out = subprocess.run([trawl, "run", "s.toml"], cwd=d, capture_output=True, text=True, check=True).stdout
    rates = [float(r) for r in re.findall(r"tokens/s=(\d+)", out)]
    return sum(rates[1:]) / len(rates[1:]), memory.stop()


def peft_run(d, tokens):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    memory = PeakMemory()
    model = AutoModelForCausalLM.from_pretrained(d / "base", torch_dtype=torch.bfloat16).cuda()
    model = get_peft_model(model, LoraConfig(r=RANK, lora_alpha=32, target_modules=TARGETS, task_type="CAUSAL_LM"))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4)
    n = (len(tokens) - 1) // SEQ
    windows = torch.from_numpy(np.stack([tokens[i * SEQ:i * SEQ + SEQ + 1] for i in range(n)]).astype(np.int64))
    start = None
    for step in range(STEPS):
        if step == STEPS // 3:
            torch.cuda.synchronize()
            start = time.perf_counter()
        batch = windows[step * BATCH:(step + 1) * BATCH].cuda()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(input_ids=batch[:, :-1]).logits.float()
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.cuda.synchronize()
    rate = (STEPS - STEPS // 3) * BATCH * SEQ / (time.perf_counter() - start)
    del model, opt
    torch.cuda.empty_cache()
    return rate, memory.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trawl", required=True)
    args = ap.parse_args()
    from transformers import Qwen2Config, Qwen2ForCausalLM
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        torch.manual_seed(0)
        Qwen2ForCausalLM(Qwen2Config(**QWEN2_05B)).to(torch.bfloat16).save_pretrained(d / "base")
        tokens = np.random.RandomState(0).randint(0, QWEN2_05B["vocab_size"], SEQ * BATCH * STEPS + 1)
        write_shard(d / "train.bin", tokens)
        write_shard(d / "val.bin", tokens[:SEQ * 8 + 1])
        (d / "s.toml").write_text(SWEEP)
        ours, ours_mb = trawl_run(str(pathlib.Path(args.trawl).resolve()), d)
        theirs, theirs_mb = peft_run(d, tokens)
    print(f"bf16 LoRA r={RANK} (all 7 projections), Qwen2-0.5B shape, batch {BATCH}x{SEQ}, "
          f"{torch.cuda.get_device_name(0)}")
    print(f"  trawl               {ours:10.0f} tokens/s  peak {ours_mb} MiB")
    print(f"  transformers + peft {theirs:10.0f} tokens/s  peak {theirs_mb} MiB")
    print(f"  ratio trawl/peft: tokens/s {ours / theirs:.2f}, peak memory {ours_mb / max(theirs_mb, 1):.2f}")


if __name__ == "__main__":
    main()
