"""From a trained torch cross-encoder to the served files: an ONNX graph whose MatMuls and embedding table are
dynamically quantised to int8 (onnxruntime's `quantize_dynamic`; the embedding table alone is 47 MB in fp32), and
the tokenizer beside it. Needs the `onnx` package (`pip install -e '.[train]'`)."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from rag.reader.model import ONNX_FILE, TOKENIZER_FILE

OPSET = 17


def export_int8(model: Any, tokenizer_json: Path, out_dir: Path) -> None:
    """Writes `reader.onnx` (int8) and `tokenizer.json` into `out_dir`; each file appears whole or not at all."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_dir.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    example = torch.ones((2, 16), dtype=torch.long)
    with tempfile.TemporaryDirectory(dir=out_dir) as scratch:
        fp32, int8 = Path(scratch) / "fp32.onnx", Path(scratch) / ONNX_FILE
        with torch.no_grad():
            torch.onnx.export(
                _Logits(model),
                (example, example, torch.zeros_like(example)),
                str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["logits"],
                dynamic_axes={
                    name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids")
                }
                | {"logits": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
        root = logging.getLogger()  # the quantiser logs a line per tensor at INFO on the root logger
        level = root.level
        root.setLevel(logging.WARNING)
        try:
            quantize_dynamic(
                fp32, int8, op_types_to_quantize=["MatMul", "Gather"], per_channel=True, weight_type=QuantType.QInt8
            )
        finally:
            root.setLevel(level)
        int8.replace(out_dir / ONNX_FILE)
        copied = Path(scratch) / TOKENIZER_FILE
        shutil.copyfile(tokenizer_json, copied)
        copied.replace(out_dir / TOKENIZER_FILE)


class _Logits:
    """The classifier's logits alone (a plain tensor output for the exporter)."""

    def __new__(cls, model: Any) -> Any:
        import torch

        class Wrapped(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)

        return Wrapped()
