"""causal_lm on a GPU against the Hugging Face stack itself: trawl's losses of
random tiny Llama and Qwen2 checkpoints against transformers'
AutoModelForCausalLM in fp32 and bf16, and an adapter trawl exported loaded
with peft.PeftModel.from_pretrained. Needs a GPU, a trawl built against a CUDA
libtorch (scripts/gpu-check sets TRAWL_GPU_BIN) and transformers + peft;
everywhere else it is skipped with the reason."""
import importlib.util

import numpy as np
import pytest

from conftest import run
from hf_fixtures import LLAMA, QWEN2, make_model_dir, write_safetensors
from test_causal_lm import SEQ, curves, sweep, token_data, windows
from test_gpu import gpu_binary


def hf_stack():
    for module in ["transformers", "peft"]:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed here (the GPU machine's image has it)")
    import torch
    if not torch.cuda.is_available():
        pytest.skip("torch sees no CUDA device")
    return torch


def hf_scores(torch, model, val):
    """val.loss and val.accuracy as trawl computes them, from transformers' logits."""
    x, y = windows(val, SEQ)
    with torch.no_grad():
        logits = model(input_ids=x.cuda()).logits.float()
    y = y.cuda()
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")
    return loss.item() / y.numel(), (logits.argmax(-1) == y).double().mean().item()


def as_bf16(d, config):
    from hf_fixtures import read_safetensors
    weights, _ = read_safetensors(d / "base" / "model.safetensors")
    write_safetensors(d / "base" / "model.safetensors", {k: v.bfloat16() for k, v in weights.items()})
    import json
    (d / "base" / "config.json").write_text(json.dumps({**config, "torch_dtype": "bfloat16"}))


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("family", ["llama", "qwen2"])
def test_step0_loss_matches_transformers(tmp_path, family, dtype):
    trawl, torch = gpu_binary(), hf_stack()
    from transformers import AutoModelForCausalLM
    config = LLAMA if family == "llama" else QWEN2
    make_model_dir(tmp_path / "base", config, seed=11)
    if dtype == "bfloat16":
        as_bf16(tmp_path, config)
    _, val = token_data(tmp_path, config["vocab_size"])
    precision = "bf16" if dtype == "bfloat16" else "fp32"
    run([trawl, "run", str(sweep(tmp_path, extra=f'device = "cuda"\nprecision = "{precision}"\n'))], cwd=tmp_path)
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "base", torch_dtype=getattr(torch, dtype),
                                                 attn_implementation="eager").cuda().eval()
    want_loss, want_accuracy = hf_scores(torch, model, val)
    got = curves(tmp_path)
    assert got["val.loss"][0, 0] == pytest.approx(want_loss, rel=1e-4 if dtype == "float32" else 2e-2)
    assert got["val.accuracy"][0, 0] == pytest.approx(want_accuracy, abs=1e-3 if dtype == "float32" else 3e-2)


def test_exported_adapter_loads_in_peft_and_scores_what_trawl_recorded(tmp_path):
    trawl, torch = gpu_binary(), hf_stack()
    from peft import PeftModel
    from transformers import AutoModelForCausalLM
    make_model_dir(tmp_path / "base", QWEN2, seed=12)
    _, val = token_data(tmp_path, QWEN2["vocab_size"])
    run([trawl, "run", "--save-final", str(sweep(tmp_path, extra='device = "cuda"\n'))], cwd=tmp_path)
    base = AutoModelForCausalLM.from_pretrained(tmp_path / "base", torch_dtype=torch.float32).cuda()
    model = PeftModel.from_pretrained(base, tmp_path / "out" / "trials" / "0" / "adapter").eval()
    got = curves(tmp_path)["val.loss"][0, -1]
    assert hf_scores(torch, model, val)[0] == pytest.approx(got, rel=1e-4)
    assert not np.isclose(got, curves(tmp_path)["val.loss"][0, 0])  # the adapter changed the model
