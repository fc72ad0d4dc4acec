"""Seeded noise for piper voices: the voice's liveliness without its randomness.

A piper (VITS) voice draws Gaussian noise inside its graph, in `RandomNormalLike` nodes: once for
the rhythm (the duration predictor, scaled by `noise_w`) and once for the melody and timbre (the
flow's prior, scaled by `noise_scale`). onnxruntime seeds them per session, so the same text
comes out differently on every call. Here each such node is replaced, in memory, by a slice of a
new graph input; `SeededNoise` fills those inputs from a generator seeded by the text and every
voice setting, so the same text gives the same samples in any order and in any process, at the
voice's own noise scales.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

NOISE_OP = "RandomNormalLike"
NOISE_INPUT_PREFIX = "audiocoach_noise_"


def patch_noise_inputs(model_path: Path) -> bytes:
    """The voice model with each random-noise node fed from an input named `audiocoach_noise_N`.

    Each input is a flat float32 vector at least as long as the noise the node drew; the graph
    takes the first `prod(shape)` values and shapes them like the node's input.
    """
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(model_path))
    graph = model.graph
    start = "audiocoach_noise_start"
    graph.initializer.append(helper.make_tensor(start, TensorProto.INT64, [1], [0]))
    names: list[str] = []
    nodes = []
    for node in graph.node:
        if node.op_type != NOISE_OP:
            nodes.append(node)
            continue
        name = f"{NOISE_INPUT_PREFIX}{len(names)}"
        names.append(name)
        graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [f"{name}_size"]))
        shape, count, flat = (f"{name}_shape", f"{name}_count", f"{name}_flat")
        nodes += [
            helper.make_node("Shape", [node.input[0]], [shape]),
            helper.make_node("ReduceProd", [shape], [count], keepdims=1),
            helper.make_node("Slice", [name, start, count], [flat]),
            helper.make_node("Reshape", [flat, shape], list(node.output)),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    return model.SerializeToString()


class SeededNoise:
    """Noise for one clip: one generator per noise input, seeded by the clip and its settings."""

    def __init__(self, names: list[str], text: str, settings: dict[str, object]):
        material = json.dumps({"text": text, "settings": settings}, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(material.encode("utf-8")).digest()
        self.seeds = {name: int.from_bytes(hashlib.sha256(digest + name.encode()).digest()[:8], "little")
                      for name in names}
        self.sentence = 0

    def for_sentence(self, size: int) -> dict[str, np.ndarray]:
        """`size` values per input for the next sentence; a longer draw starts with a shorter one's
        values, so retrying with more noise changes nothing already drawn."""
        inputs = {}
        for name, seed in self.seeds.items():
            generator = np.random.Generator(np.random.PCG64([seed, self.sentence]))
            inputs[name] = generator.standard_normal(size, dtype=np.float32)
        return inputs

    def next_sentence(self) -> None:
        self.sentence += 1
