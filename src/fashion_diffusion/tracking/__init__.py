"""MLflow tracking: one run per pipeline execution, filled by the stages while they run.

Modules: `store` (where runs go), `reachability` (a bounded check that the store answers),
`names` (run names, metric keys), `execution` (which run belongs to this pipeline execution),
`live` (what a running stage logs), `generator_model` (the denoiser as an MLflow model),
`pipeline_run` (everything the finished execution logs), `log_later` (`make log-run`).
"""
