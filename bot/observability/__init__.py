"""What operators see of the running service: metrics, request ids in the logs, and ``doctor``."""
