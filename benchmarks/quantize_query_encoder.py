"""`python -m benchmarks.quantize_query_encoder --out FILE.onnx`: an integer-arithmetic export of the query encoder.

The packaged "int8" export stores int8 weights but computes in fp32: onnxruntime folds each weight's cast-and-scale
back to float at load (index/onnx_encoder.py). This writes the same model with its MatMuls dynamically quantised
per output channel (onnxruntime's `quantize_dynamic`, MatMulInteger), so the arithmetic is int8 too, and measures
it against the torch model: question vectors' cosine and time per question, one thread. Serve it with
`FOLLOWUP_QUERY_ONNX_PATH=FILE.onnx`; eval/HISTORY.md (eleventh pass) has what it costs in ranking.
Needs the `onnx` package (`pip install -e '.[quantize]'`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from benchmarks.timing import summary, time_calls
from eval.datasets import load_gold
from index.embedder import Embedder
from index.onnx_encoder import OnnxQueryEncoder, packaged_onnx_path
from index.settings import IndexSettings

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold" / "sample.jsonl"


def quantize(source: Path, out: Path) -> None:
    """Folds the source's dequantisation into fp32 weights, then quantises its MatMuls per channel; `out` appears
    whole or not at all."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(dir=out.parent) as scratch:
        folded, written = Path(scratch) / "folded.onnx", Path(scratch) / out.name
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantize_dynamic(
            folded, written, op_types_to_quantize=["MatMul"], per_channel=True, weight_type=QuantType.QInt8
        )
        written.replace(out)


def compare(exports: dict[str, Path], settings: IndexSettings, questions: list[str]) -> dict[str, dict[str, float]]:
    """Each export's cosine to the torch model's question vectors, and its median time per question."""
    reference = Embedder(settings.resolved_model_path(), settings.embed_batch_size).encode(questions)
    figures = {}
    for name, path in exports.items():
        encoder = OnnxQueryEncoder(path, settings.resolved_model_path(), threads=1)
        cosine = (encoder.encode(questions) * reference).sum(axis=1)
        times = time_calls(lambda question: encoder.encode([question]), questions, warmup=10)  # noqa: B023 (called now)
        figures[name] = {
            "cosine_min": round(float(cosine.min()), 4),
            "cosine_mean": round(float(cosine.mean()), 4),
            "ms_per_question": round(summary(times)["p50_ms"], 2),
            "megabytes": round(path.stat().st_size / 1e6, 1),
        }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the quantised export")
    parser.add_argument("--source", type=Path, help="the export to quantise (default: the packaged one)")
    args = parser.parse_args(argv)
    try:
        import onnx  # noqa: F401  (quantize_dynamic needs it)
    except ImportError:
        print("error: the onnx package is needed: pip install -e '.[quantize]'", file=sys.stderr)
        return 2
    source = args.source or packaged_onnx_path()
    if not source.is_file():
        print(f"error: {source} is not a file", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    quantize(source, args.out)
    questions = [q.question for q in load_gold(GOLD)]
    print(json.dumps(compare({"source": source, "quantised": args.out}, IndexSettings(), questions)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
