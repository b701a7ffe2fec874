"""Typed, validated parameters: `params.yaml` parsed at the edge (`load_params`)."""
from .loading import ParamsError, load_params, to_dict
from .schema import (ArchParams, ClipParams, ClipTrainParams, DataParams, DiffusionParams, EvaluateParams,
                     JudgeParams, ModelParams, Params, SampleParams, SelectParams, StatisticsParams, StyleParams,
                     TrainParams)

__all__ = ["ArchParams", "ClipParams", "ClipTrainParams", "DataParams", "DiffusionParams", "EvaluateParams",
           "JudgeParams", "ModelParams", "Params", "ParamsError", "SampleParams", "SelectParams", "StatisticsParams",
           "StyleParams", "TrainParams", "load_params", "to_dict"]
