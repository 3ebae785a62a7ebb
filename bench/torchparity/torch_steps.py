#!/usr/bin/python3
"""PyTorch's side of bench/torchparity: for every job of a JSON file (written by the Go side,
parity.go's torchJob), build the same dense network in PyTorch, load nngen's exact initial
parameters, run the same batches with PyTorch's OWN optimiser classes and loss functions, in
float32 on one thread, and write every step's loss and the parameters after the checkpoint steps.

    /usr/bin/python3 torch_steps.py jobs.json

Files are raw little-endian float32 (int32 for the batch order), in the job's folder:
  read:  init.f32 (nngen's Tensors() after Init, concatenated: dense<k>/kernel [in, out] then
         dense<k>/bias [out], layer after layer), pool_x.f32, pool_y.f32, idx.i32
  write: <prefix>loss.f32 (one loss per step, of the batch before that step's update) and
         <prefix>params_<s>.f32 (the parameters after step s, in the same order and layout)

Keras' dense kernel is [in, out]; torch.nn.Linear's weight is [out, in]: its transpose.

Mapping of Keras 3 (nngen) to PyTorch, and the known formula differences (not corrected here: the
point is to compare with PyTorch's own classes):
  activations: linear (none), relu, sigmoid, tanh, softmax, elu (alpha 1), selu, softplus
    (torch's threshold 20 switches to x above 20: < 2e-9 relative), gelu (Keras 3's default
    approximate=False is torch's approximate='none', the erf form), silu, leaky_relu (Keras 3's
    negative_slope default 0.2, not torch's 0.01). nngen's spec has no relu6, hard_sigmoid,
    softsign or exponential, so they are not compared.
  losses: categorical_crossentropy after softmax -> nn.CrossEntropyLoss on the logits with the
    one-hot targets as probabilities; sparse_categorical_crossentropy -> nn.CrossEntropyLoss on
    the logits with class indices; binary_crossentropy after a sigmoid unit -> nn.BCEWithLogitsLoss
    on the logit. Keras (and nngen) take log(clip(p, 1e-7, 1-1e-7)) of the probabilities for the
    reported loss, and the gradient (p - y)/n unclipped, so the gradients have the same formula
    and the loss values differ only where a probability is below 1e-7 (known difference).
    mean_squared_error -> nn.MSELoss, mean_absolute_error -> nn.L1Loss (both means over all
    elements, as Keras' mean over the last axis then over the batch).
  optimisers (Keras 3 keras/src/optimizers/*.py against torch 1.13 torch/optim/*.py):
    sgd: torch.optim.SGD(lr, momentum, nesterov). Keras keeps v = μv - lr·g, p += v (nesterov:
      p += μv - lr·g); torch keeps b = μb + g, p -= lr·b (nesterov: p -= lr·(g + μb)): the same
      values for a constant lr, rounded differently.
    rmsprop: torch.optim.RMSprop(lr, alpha=rho, eps, momentum, centered). Known difference: Keras
      divides by √(v + ε) (centered: √(v - ḡ² + ε)), torch by √v + ε (√(v - ḡ²) + ε).
    adam: torch.optim.Adam(lr, betas, eps). Known difference: Keras computes
      alpha = lr·√(1-β₂ᵗ)/(1-β₁ᵗ) and p -= alpha·m/(√v + ε) (the paper's "epsilon hat"), torch
      p -= lr/(1-β₁ᵗ)·m/(√v/√(1-β₂ᵗ) + ε). With epsilon_hat set, the job gives torch, before each
      step t, eps = ε/√(1-β₂ᵗ) (through the param group, the class unchanged), which is exactly
      Keras' update in torch's formula.
    adamw: torch.optim.AdamW(lr, betas, eps, weight_decay): torch p *= 1 - lr·wd, Keras
      p -= p·wd·lr, then Adam; the same epsilon difference as adam.
    adagrad: torch.optim.Adagrad(lr, initial_accumulator_value, eps). Known difference: Keras
      g/√(acc + ε), torch g/(√acc + ε); with acc >= 0.1 it is about 2e-7 relative.
    adamax: torch.optim.Adamax(lr, betas, eps). Known difference: Keras u = max(β₂u, |g|) and
      p -= lr·m/((1-β₁ᵗ)(u + ε)); torch u = max(β₂u, |g| + ε), p -= lr/(1-β₁ᵗ)·m/u.
    nadam: torch.optim.NAdam(lr, betas, eps, momentum_decay=1): Keras 3's momentum schedule
      μₜ = β₁(1 - 0.5·0.96ᵗ) is torch's β₁(1 - 0.5·0.96^(t·momentum_decay)) with momentum_decay 1
      (torch's default 0.004 is Keras 2's legacy schedule). Known difference: torch 1.13 divides
      the first-moment term by 1 - μ₁…μₜ·μₜ·μₜ₊₁, counting μₜ twice (a bug, pytorch/pytorch#92699,
      fixed in torch 2.0); Keras by 1 - μ₁…μₜ·μₜ₊₁.
  nngen, as TensorFlow's CPU kernels, flushes optimiser state that would be denormal to zero;
  torch does not. Where gradients are zero the state only decays, and the difference is below
  1e-38 in the state.
"""

import json
import sys

import numpy as np
import torch
from torch import nn


def read(path, dtype=np.float32):
    return np.fromfile(path, dtype=np.dtype(dtype).newbyteorder("<"))


def write(path, values):
    np.asarray(values, dtype=np.float32).astype("<f4").tofile(path)


ACTIVATIONS = {
    "linear": None,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "elu": lambda: nn.ELU(alpha=1.0),
    "selu": nn.SELU,
    "softplus": nn.Softplus,
    "gelu": lambda: nn.GELU(approximate="none"),
    "silu": nn.SiLU,
    "leaky_relu": lambda: nn.LeakyReLU(negative_slope=0.2),
    "softmax": lambda: nn.Softmax(dim=1),
}

# Losses computed by PyTorch on the logits: the last layer's activation is left out of the model.
ON_LOGITS = {
    ("categorical_crossentropy", "softmax"),
    ("sparse_categorical_crossentropy", "softmax"),
    ("binary_crossentropy", "sigmoid"),
}


def build(job):
    layers, linears = [], []
    width = job["input"]
    last = len(job["layers"]) - 1
    on_logits = (job["loss"], job["layers"][-1]["activation"]) in ON_LOGITS
    for i, l in enumerate(job["layers"]):
        lin = nn.Linear(width, l["units"], bias=l["use_bias"])
        layers.append(lin)
        linears.append(lin)
        act = ACTIVATIONS[l["activation"]]
        if act is not None and not (i == last and on_logits):
            layers.append(act())
        width = l["units"]
    return nn.Sequential(*layers), linears, on_logits


def load(linears, job, flat):
    """Sets the Linear layers from nngen's concatenated tensors (kernel [in, out], bias [out])."""
    off = 0
    it = iter(job["tensors"])
    with torch.no_grad():
        for lin in linears:
            t = next(it)
            n_in, n_out = t["shape"]
            k = flat[off:off + n_in * n_out].reshape(n_in, n_out)
            off += n_in * n_out
            lin.weight.copy_(torch.from_numpy(k.T.copy()))
            if lin.bias is not None:
                t = next(it)
                lin.bias.copy_(torch.from_numpy(flat[off:off + n_out].copy()))
                off += n_out
    if off != len(flat):
        raise SystemExit(f"{job['label']}: {len(flat)} initial parameters, the network has {off}")


def dump(linears):
    parts = []
    for lin in linears:
        parts.append(lin.weight.detach().numpy().T.reshape(-1))
        if lin.bias is not None:
            parts.append(lin.bias.detach().numpy().reshape(-1))
    return np.concatenate(parts)


def optimizer(params, o):
    t, lr = o["type"], o["learning_rate"]
    if t == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=o["momentum"], nesterov=o["nesterov"])
    if t == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=o["rho"], eps=o["epsilon"], momentum=o["momentum"],
                                   centered=o["centered"])
    if t == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(o["beta_1"], o["beta_2"]), eps=o["epsilon"])
    if t == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=(o["beta_1"], o["beta_2"]), eps=o["epsilon"],
                                 weight_decay=o["weight_decay"])
    if t == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=o["epsilon"],
                                   initial_accumulator_value=o["initial_accumulator_value"])
    if t == "adamax":
        return torch.optim.Adamax(params, lr=lr, betas=(o["beta_1"], o["beta_2"]), eps=o["epsilon"])
    if t == "nadam":
        return torch.optim.NAdam(params, lr=lr, betas=(o["beta_1"], o["beta_2"]), eps=o["epsilon"],
                                 momentum_decay=1.0)
    raise SystemExit(f"optimizer {t} is not mapped to PyTorch")


def loss_function(job, on_logits):
    loss = job["loss"]
    if loss == "categorical_crossentropy":
        ce = nn.CrossEntropyLoss()
        return lambda out, y: ce(out, y)  # y one-hot: class probabilities
    if loss == "sparse_categorical_crossentropy":
        ce = nn.CrossEntropyLoss()
        return lambda out, y: ce(out, y.argmax(dim=1))
    if loss == "binary_crossentropy":
        return nn.BCEWithLogitsLoss()
    if loss == "mean_squared_error":
        return nn.MSELoss()
    if loss == "mean_absolute_error":
        return nn.L1Loss()
    raise SystemExit(f"loss {loss} is not mapped to PyTorch")


def run(job):
    d = job["dir"] + "/"
    model, linears, on_logits = build(job)
    load(linears, job, read(d + "init.f32"))
    px = torch.from_numpy(read(d + "pool_x.f32").reshape(-1, job["input"]).copy())
    py = torch.from_numpy(read(d + "pool_y.f32").reshape(-1, job["output"]).copy())
    idx = torch.from_numpy(read(d + "idx.i32", np.int32).astype(np.int64))
    opt = optimizer(model.parameters(), job["optimizer"])
    lossf = loss_function(job, on_logits)
    o = job["optimizer"]
    batch, checks = job["batch"], set(job["checkpoints"])
    losses = []
    for s in range(job["steps"]):
        rows = idx[s * batch:(s + 1) * batch]
        x, y = px[rows], py[rows]
        if job["epsilon_hat"]:
            # Keras' epsilon hat in torch's formula: eps_t = ε/√(1-β₂ᵗ), t = s + 1 (see the top).
            for g in opt.param_groups:
                g["eps"] = o["epsilon"] / (1.0 - o["beta_2"] ** (s + 1)) ** 0.5
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if s + 1 in checks:
            write(d + f"{job['prefix']}params_{s + 1}.f32", dump(linears))
    write(d + job["prefix"] + "loss.f32", losses)


def main():
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    with open(sys.argv[1]) as f:
        jobs = json.load(f)["jobs"]
    for job in jobs:
        run(job)


if __name__ == "__main__":
    main()
