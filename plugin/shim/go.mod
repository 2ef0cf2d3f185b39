module rollout-sentinel/plugin-shim

go 1.24
