"""Typed, validated parameters: `params.yaml` parsed at the edge (`load_params`)."""
from .loading import ParamsError, load_params, to_dict
from .schema import (AblationParams, ArchParams, AugmentationParams, ClipParams, ClipTrainParams, DataParams,
                     DifficultyParams, DiffusionParams, EvaluateParams, GuidanceParams, JudgeParams, ModelParams,
                     Params, ProbeParams, SampleParams, SelectParams, StatisticsParams, StyleParams, TrainParams)

__all__ = ["AblationParams", "ArchParams", "AugmentationParams", "ClipParams", "ClipTrainParams", "DataParams",
           "DifficultyParams", "DiffusionParams", "EvaluateParams", "GuidanceParams", "JudgeParams", "ModelParams",
           "Params", "ParamsError", "ProbeParams", "SampleParams", "SelectParams", "StatisticsParams", "StyleParams",
           "TrainParams", "load_params", "to_dict"]
