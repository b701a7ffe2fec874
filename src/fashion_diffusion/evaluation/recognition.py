"""When a denoising trajectory becomes recognisable: the judge along the predicted x0."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.prepared import to_model_range
from ..results.probes import ClassRecognition, RecognitionResult
from ..scoring.judge.inference import predict_proba
from ..scoring.judge.net import JudgeNet
from ..stats import metrics


def recognition(
    judge: JudgeNet, x0_frames: np.ndarray, labels: np.ndarray, fractions: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Recognition point of each trajectory, and the judge's mean probability of the requested class
    at each recorded fraction, per class.  x0_frames: uint8 (S, N, H, W) predicted x0 along the way."""
    s, n = x0_frames.shape[:2]
    probs = predict_proba(judge, to_model_range(x0_frames.reshape(s * n, *x0_frames.shape[2:])))
    probs = probs.reshape(s, n, -1).numpy()
    points = metrics.recognition_point(probs, labels, fractions)
    per_image = pd.DataFrame({"label": labels, "recognition_point": points})
    requested = probs[:, np.arange(n), labels]  # (S, N)
    curve = pd.DataFrame(
        [
            {"label": int(c), "fraction": float(f), "probability": float(requested[i, labels == c].mean())}
            for c in np.unique(labels)
            for i, f in enumerate(fractions)
        ]
    )
    return per_image, curve


def per_class_summary(points: pd.DataFrame, class_names: list[str]) -> pd.DataFrame:
    """Median and quartiles of the recognition point per class, and how many never settled."""
    by_class = points.groupby("label")["recognition_point"]
    index = range(len(class_names))
    return pd.DataFrame(
        {
            "class": class_names,
            "median": by_class.median().reindex(index).values,
            "q25": by_class.quantile(0.25).reindex(index).values,
            "q75": by_class.quantile(0.75).reindex(index).values,
            "unrecognised": by_class.apply(lambda s: int(s.isna().sum())).reindex(index).values,
        }
    )


def _point(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


def recognition_result(points: pd.DataFrame, class_names: list[str]) -> RecognitionResult:
    """The recognition points (`recognition`'s per-image table) summarised: overall median, per class
    median and quartiles (`per_class_summary`), and the classes of the earliest and latest median."""
    summary = per_class_summary(points, class_names)
    settled = summary.dropna(subset=["median"]).sort_values("median", kind="stable")
    overall = points["recognition_point"].dropna()
    return RecognitionResult(
        trajectories=len(points),
        median=float(overall.median()) if len(overall) else None,
        unrecognised=int(points["recognition_point"].isna().sum()),
        classes=[
            ClassRecognition(
                name=row["class"],
                median=_point(row["median"]),
                q25=_point(row["q25"]),
                q75=_point(row["q75"]),
                unrecognised=int(row["unrecognised"]),
            )
            for row in summary.to_dict("records")
        ],
        earliest=settled["class"].iloc[0] if len(settled) else None,
        latest=settled["class"].iloc[-1] if len(settled) else None,
    )
