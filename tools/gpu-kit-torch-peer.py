#!/usr/bin/env python3
"""PyTorch + transformers bf16 eager peer for the GPU kit's bench-gpu step (tools/gpu-kit.md).

Builds a Qwen2 model of a preset's shape with random weights (transformers' Qwen2Config and
AutoModelForCausalLM.from_config, created directly on the GPU in bf16, no torch.compile) and times
it the way llama-bench and `apr bench` do: pp<P> = one forward of P random token ids into a fresh
KV cache, tg<N> = N single-token forwards through the cache (greedy argmax feeding the next step),
one warm-up repetition discarded, then R timed ones, torch.cuda.synchronize() around each.

  python3 gpu-kit-torch-peer.py --name qwen2.5-0.5b --hidden 896 --layers 24 --heads 14 --kv-heads 2 \
      --ffn 4864 --vocab 151936 --rope-theta 1000000 --tied 1 -p 512 -n 128 -r 3 --json out.json

Prints one JSON object (also written to --json). Exit codes: 0 measured, 2 bad arguments,
3 torch/transformers/CUDA not available here (the object says why).
"""
import argparse
import json
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--name", required=True)
    p.add_argument("--hidden", type=int, required=True)
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--kv-heads", type=int, required=True)
    p.add_argument("--ffn", type=int, required=True)
    p.add_argument("--vocab", type=int, required=True)
    p.add_argument("--rope-theta", type=float, default=1000000.0)
    p.add_argument("--rms-eps", type=float, default=1e-6)
    p.add_argument("--tied", type=int, default=1)
    p.add_argument("--context", type=int, default=4096)
    p.add_argument("-p", "--n-prompt", type=int, default=512)
    p.add_argument("-n", "--n-gen", type=int, default=128)
    p.add_argument("-r", "--reps", type=int, default=3)
    p.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"], help="transformers attention implementation")
    p.add_argument("--device", default="cuda")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--json")
    return p.parse_args()


def emit(obj, path, code):
    text = json.dumps(obj)
    print(text, flush=True)
    if path:
        with open(path, "w") as f:
            f.write(text + "\n")
    sys.exit(code)


def summary(samples):
    mean = statistics.fmean(samples)
    return {"tokensPerSec": mean, "stddev": statistics.stdev(samples) if len(samples) > 1 else 0.0, "samples": samples}


def main():
    a = parse_args()
    base = {"engine": "torch", "model": a.name, "nPrompt": a.n_prompt, "nGen": a.n_gen, "reps": a.reps}
    try:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, Qwen2Config
    except Exception as e:  # ImportError, or a broken install
        emit({**base, "available": False, "reason": f"torch not available: {type(e).__name__}: {e}"}, a.json, 3)
    if a.device == "cuda" and not torch.cuda.is_available():
        emit({**base, "available": False, "reason": "torch not available: torch.cuda.is_available() is False"}, a.json, 3)

    torch.manual_seed(a.seed)
    shape = dict(
        vocab_size=a.vocab,
        hidden_size=a.hidden,
        intermediate_size=a.ffn,
        num_hidden_layers=a.layers,
        num_attention_heads=a.heads,
        num_key_value_heads=a.kv_heads,
        max_position_embeddings=a.context,
        rms_norm_eps=a.rms_eps,
        tie_word_embeddings=bool(a.tied),
        use_cache=True,
    )
    try:
        cfg = Qwen2Config(**shape, rope_theta=a.rope_theta)
    except (TypeError, ValueError):  # RoPE settings moved (rope_parameters); they do not change the timing
        cfg = Qwen2Config(**shape)
    device = torch.device(a.device)
    t0 = time.perf_counter()
    # Created on the device in bf16 (no fp32 copy on the host); weights are random, as in our models.
    # transformers 5 names the argument `dtype`, 4.x `torch_dtype`; the .to() below settles either way.
    with device:
        try:
            model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16, attn_implementation=a.attn)
        except TypeError:
            model = AutoModelForCausalLM.from_config(cfg, torch_dtype=torch.bfloat16, attn_implementation=a.attn)
    model = model.to(device=device, dtype=torch.bfloat16).eval()
    load_s = time.perf_counter() - t0
    params = sum(p.numel() for p in model.parameters())

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    # Like llama-bench's pp, only the last position's logits (transformers >= 4.50: logits_to_keep).
    keep = {"logits_to_keep": 1}

    @torch.inference_mode()
    def pp(n):
        ids = torch.randint(0, a.vocab, (1, n), device=device)
        sync()
        t = time.perf_counter()
        try:
            model(input_ids=ids, use_cache=True, **keep)
        except TypeError:
            keep.clear()
            model(input_ids=ids, use_cache=True)
        sync()
        return n / (time.perf_counter() - t)

    @torch.inference_mode()
    def tg(n):
        tok = torch.randint(0, a.vocab, (1, 1), device=device)
        past = None
        sync()
        t = time.perf_counter()
        for _ in range(n):
            out = model(input_ids=tok, past_key_values=past, use_cache=True)
            past = out.past_key_values
            tok = out.logits[:, -1:].argmax(-1)
        sync()
        return n / (time.perf_counter() - t)

    results = []
    for test, fn, n in (("pp", pp, a.n_prompt), ("tg", tg, a.n_gen)):
        if n <= 0:
            continue
        fn(n)  # warm-up: kernels, cuBLAS handles, allocator
        samples = [fn(n) for _ in range(a.reps)]
        results.append({"test": f"{test}{n}", **summary(samples)})
    emit(
        {
            **base,
            "available": True,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "device": torch.cuda.get_device_name(0) if device.type == "cuda" else a.device,
            "dtype": "bfloat16",
            "attn": a.attn,
            "compile": False,
            "lastLogitsOnly": bool(keep),
            "params": params,
            "loadSeconds": load_s,
            "results": results,
        },
        a.json,
        0,
    )


if __name__ == "__main__":
    main()
